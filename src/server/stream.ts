/**
 * `GET /api/stream?run=ID&after=SEQ`: server-sent events tailing the store's event sequence.
 *
 * - First `event: hello` (no data) whose id is the position the stream starts from.
 * - `event: batch`, `id: SEQ`, data: a StreamBatch (events, finished trials, the variant table, log).
 *   SEQ is the store's event sequence number up to which everything for this stream was sent.
 * - A reconnecting browser sends `Last-Event-ID: SEQ` and gets exactly the events after it (no gap, no
 *   duplicate); a first connection passes `after` (the `seq` of the snapshot it loaded).
 * - `event: reset` when the client is more than MAX_REPLAY events behind: reload the snapshot.
 * - A comment every 15 s keeps proxies from closing the connection.
 */
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { StreamBatch, StreamReset } from './api-types.js';
import type { EventHub } from './event-hub.js';

const MAX_QUEUE = 200;

export function streamRoute(hub: EventHub) {
  return (c: Context) => {
    const runId = c.req.query('run') || null;
    const lastId = c.req.header('last-event-id') ?? c.req.query('after');
    const after = lastId !== undefined && /^\d+$/.test(lastId) ? Number(lastId) : hub.seq;
    return streamSSE(c, async (stream) => {
      const queue: (StreamBatch | StreamReset)[] = [];
      let wake: (() => void) | null = null;
      let overflow = false;
      const { subscription, first } = hub.subscribe(runId, after, (batch) => {
        if (queue.length >= MAX_QUEUE) overflow = true;
        else queue.push(batch);
        wake?.();
      });
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      const heartbeat = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => undefined), 15_000);
      try {
        await stream.writeSSE({ retry: 1000, data: '' , event: 'hello', id: String(after) });
        await send(stream, first);
        while (open) {
          if (overflow) {
            queue.length = 0;
            overflow = false;
            await send(stream, { seq: hub.seq, reason: 'the client fell behind: reload the snapshot' });
            continue;
          }
          const next = queue.shift();
          if (next) await send(stream, next);
          else await new Promise<void>((r) => (wake = r));
          wake = null;
        }
      } finally {
        clearInterval(heartbeat);
        subscription.close();
      }
    });
  };
}

async function send(stream: SSEStreamingApi, message: StreamBatch | StreamReset): Promise<void> {
  const isReset = !('events' in message);
  if (!isReset && message.events.length === 0 && message.log.length === 0 && message.summary === null) return;
  await stream.writeSSE({ event: isReset ? 'reset' : 'batch', id: String(message.seq), data: JSON.stringify(message) });
}
