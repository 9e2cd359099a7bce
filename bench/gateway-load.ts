/**
 * A small HTTP load generator for the gateway benchmark: keep-alive sockets (node:http Agent),
 * latencies from performance.now() per request, so the same client measures the upstream alone and
 * the gateway in front of it.
 *
 *   const fixed = await openLoop({ url, body, rate: 500, seconds: 10 });   // latency at a fixed rate
 *   const max = await closedLoop({ url, body, concurrency: 64, seconds: 5 }); // most requests/s
 */
import { Agent, request } from 'node:http';

export interface LoadTarget {
  url: string;
  body: string;
  headers?: Record<string, string>;
}

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  statuses: Record<number, number>;
  /** Latencies of successful requests, ms, sorted. */
  latencies: Float64Array;
  seconds: number;
  rate: number;
  /** Response headers of the last successful request. */
  lastHeaders: Record<string, string | string[] | undefined>;
}

/** The value at quantile q of sorted values. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

interface One {
  status: number;
  ms: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function once(agent: Agent, target: LoadTarget, url: URL): Promise<One> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(
      { agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(target.body), ...target.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(target.body);
  });
}

function summarise(results: One[], errors: number, seconds: number, sent: number): LoadResult {
  const statuses: Record<number, number> = {};
  const ok: number[] = [];
  let lastHeaders: One['headers'] = {};
  for (const r of results) {
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (r.status === 200) {
      ok.push(r.ms);
      lastHeaders = r.headers;
    }
  }
  return {
    sent, ok: ok.length, failed: sent - ok.length + errors * 0, statuses, latencies: Float64Array.from(ok).sort(), seconds,
    rate: results.length / seconds, lastHeaders,
  };
}

/**
 * Requests at a fixed rate whatever the answers' speed (an open loop: a slow server does not slow
 * the arrivals, so queueing shows in the latencies). Warm-up requests are not counted.
 */
export async function openLoop(target: LoadTarget & { rate: number; seconds: number; warmup?: number }): Promise<LoadResult> {
  const url = new URL(target.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  for (let i = 0; i < (target.warmup ?? 200); i++) await once(agent, target, url);
  const total = Math.round(target.rate * target.seconds);
  const interval = 1000 / target.rate;
  const results: One[] = [];
  let errors = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait - 0.5));
    while (performance.now() < due) {
      // spin the last half millisecond: timers are 1 ms coarse
    }
    pending.push(once(agent, target, url).then((r) => void results.push(r), () => void errors++));
  }
  await Promise.all(pending);
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return summarise(results, errors, seconds, total);
}

/** As many requests as `concurrency` clients send back to back, for `seconds` (after a warm-up). */
export async function closedLoop(target: LoadTarget & { concurrency: number; seconds: number }): Promise<LoadResult> {
  const url = new URL(target.url);
  const agent = new Agent({ keepAlive: true, maxSockets: target.concurrency });
  for (let i = 0; i < 200; i++) await once(agent, target, url);
  const results: One[] = [];
  let errors = 0;
  let sent = 0;
  const start = performance.now();
  const end = start + target.seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      sent++;
      try {
        results.push(await once(agent, target, url));
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: target.concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return summarise(results, errors, seconds, sent);
}

/** One request, for checks. */
export function post(target: LoadTarget): Promise<One> {
  const agent = new Agent({ keepAlive: false });
  return once(agent, target, new URL(target.url));
}
