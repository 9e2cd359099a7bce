/**
 * HTTP to upstreams on kept-alive sockets: one `http.Agent` and one `https.Agent` for the whole
 * gateway, so a request to a provider reuses a warm connection instead of paying a TCP (and TLS)
 * handshake, and no SDK client is built per request.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 256, scheduling: 'lifo', keepAliveMsecs: 1000 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 256, scheduling: 'lifo', keepAliveMsecs: 1000 }),
};

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as it arrives. */
  body: IncomingMessage;
}

/**
 * POSTs `body` and resolves once the status line and headers are in (the body streams after). A
 * socket the server closed just as it was reused (ECONNRESET before any answer) is retried once on a
 * fresh one: nothing reached the server. The signal aborts the request at any time (its reason is
 * the rejection).
 *
 * @example
 * const reply = await httpPost(new URL('http://127.0.0.1:8000/v1/chat/completions'), headers, body, signal);
 */
export function httpPost(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<HttpReply> {
  return attempt(url, headers, body, signal, true);
}

function attempt(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal, retryStale: boolean): Promise<HttpReply> {
  return new Promise<HttpReply>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as unknown);
      return;
    }
    const secure = url.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    let answered = false;
    const req = send(
      {
        protocol: url.protocol, hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res: IncomingMessage) => {
        answered = true;
        signal.removeEventListener('abort', onAbort);
        // Abort while the body streams: destroy the response; its reader sees the error.
        const onBodyAbort = () => res.destroy(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
        signal.addEventListener('abort', onBodyAbort, { once: true });
        res.once('close', () => signal.removeEventListener('abort', onBodyAbort));
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
      },
    );
    const onAbort = () => req.destroy(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    signal.addEventListener('abort', onAbort, { once: true });
    req.once('error', (error: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', onAbort);
      if (answered) return;
      if (signal.aborted) return reject(signal.reason as unknown);
      if (retryStale && req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
        attempt(url, headers, body, signal, false).then(resolve, reject);
        return;
      }
      reject(error);
    });
    req.end(body);
  });
}

/** Reads a (small) body as text, stopping at `limit` bytes. */
export async function readText(body: IncomingMessage, limit = 16 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new Error(`the upstream's answer is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Closes idle kept-alive sockets (at shutdown). */
export function closeAgents(): void {
  agents.http.destroy();
  agents.https.destroy();
}
