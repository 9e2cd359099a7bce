/**
 * Which HTTP shell the gateway uses, decided by measurement: the same minimal handler (read a JSON
 * body, parse it, answer a JSON completion) on plain node:http and on Hono (@hono/node-server, what
 * `metaorch serve` uses), each in its own process, measured by the same keep-alive client.
 *
 *   npx tsx bench/gateway-shells.bench.ts
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closedLoop, openLoop, quantile } from './gateway-load.js';

const ANSWER = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'Paris' }, finish_reason: 'stop' }], usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 } });

async function child(): Promise<void> {
  const kind = process.argv[3];
  if (kind === 'node') {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model: string };
        const out = ANSWER.replace('"m"', JSON.stringify(body.model));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
        res.end(out);
      });
    });
    server.keepAliveTimeout = 60_000;
    server.listen(0, '127.0.0.1', () => process.send?.((server.address() as { port: number }).port));
  } else {
    const { Hono } = await import('hono');
    const { serve } = await import('@hono/node-server');
    const app = new Hono();
    app.post('/v1/chat/completions', async (c) => {
      const body = await c.req.json<{ model: string }>();
      return c.body(ANSWER.replace('"m"', JSON.stringify(body.model)), 200, { 'content-type': 'application/json' });
    });
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.send?.(info.port));
    void s;
  }
}

async function start(kind: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = fork(import.meta.filename, ['child', kind], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => proc.once('message', (m) => resolve(m as number)));
  return { proc, url: `http://127.0.0.1:${port}/v1/chat/completions` };
}

async function main(): Promise<void> {
  if (process.argv[2] === 'child') return child();
  const body = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'What is the capital of France?' }] });
  const rows: string[] = [];
  for (const kind of ['node', 'hono', 'node', 'hono']) {
    const { proc, url } = await start(kind);
    const max = await closedLoop({ url, body, concurrency: 64, seconds: 4 });
    const fixed = await openLoop({ url, body, rate: 500, seconds: 4 });
    rows.push(`${kind.padEnd(6)} max ${Math.round(max.rate).toString().padStart(6)} req/s   at 500 req/s: p50 ${quantile(fixed.latencies, 0.5).toFixed(3)} ms  p99 ${quantile(fixed.latencies, 0.99).toFixed(3)} ms`);
    proc.kill();
  }
  console.log(rows.join('\n'));
}

await main();
