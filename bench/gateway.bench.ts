/**
 * The gateway's floors, one command, one table:
 *
 *   npx tsc -p tsconfig.build.json && npx tsx bench/gateway.bench.ts
 *
 * - added latency at 500 requests/s: the same keep-alive client calls an instant local OpenAI-compatible
 *   upstream directly (the reference) and through `metaorch gateway` (the built CLI, its own process,
 *   recording every request in its SQLite store), p50 and p99 differences, after a warm-up at that
 *   rate (its own latencies are a row of their own);
 * - the most requests/s one gateway process sustains (64 clients back to back);
 * - streaming: the delay the gateway adds to the first chunk (the upstream sends its first chunk at
 *   once and the rest 30 ms later);
 * - learning, failover and the replayed-task mix: through the route core the gateway runs (seeded,
 *   20 seeds; bench/gateway-sim.ts);
 * - Portkey's gateway (`@portkey-ai/gateway`, installed in a temp folder, never a dependency), on the
 *   same added-latency case, when it is installed: `GATEWAY_BENCH_PORTKEY=/tmp/portkey/node_modules/@portkey-ai/gateway`.
 *
 * GATEWAY_BENCH_SECONDS (default 10) sets the length of each fixed-rate phase; GATEWAY_BENCH_WARMUP
 * (default 5) the warm-up at 500 requests/s through the gateway before them (reported as its own row).
 */
import Database from 'better-sqlite3';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { closedLoop, openLoop, quantile } from './gateway-load.js';
import { failover, learning, replayMix } from './gateway-sim.js';

const CLI = resolve(import.meta.dirname, '../dist/cli/main.js');
const SECONDS = Number(process.env['GATEWAY_BENCH_SECONDS'] ?? 10);
const WARMUP_SECONDS = Number(process.env['GATEWAY_BENCH_WARMUP'] ?? 5);
const PORTKEY = process.env['GATEWAY_BENCH_PORTKEY'] ?? '/tmp/portkey/node_modules/@portkey-ai/gateway';

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'instant',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Paris' }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 },
});
const chunk = (delta: object, finish: string | null, usage?: object) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'instant', choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;

/** The instant upstream (a child process): answers at once; streams its first chunk at once, the rest 30 ms later. */
async function upstream(): Promise<void> {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const stream = Buffer.concat(chunks).includes('"stream":true');
      if (!stream) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(COMPLETION) });
        res.end(COMPLETION);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant', content: 'Par' }, null));
      setTimeout(() => {
        res.write(chunk({ content: 'is' }, null) + chunk({}, 'stop') + chunk({}, null, { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 }) + 'data: [DONE]\n\n');
        res.end();
      }, 30);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as { port: number }).port));
}

function startUpstream(): Promise<{ proc: ChildProcess; origin: string }> {
  const proc = fork(import.meta.filename, ['upstream'], { execArgv: ['--import', 'tsx'] });
  return new Promise((ok) => proc.once('message', (port) => ok({ proc, origin: `http://127.0.0.1:${port as number}` })));
}

function waitForLine(proc: ChildProcess, re: RegExp, what: string): Promise<RegExpExecArray> {
  let out = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${what} did not start: ${out}`)), 30_000);
    const look = (d: Buffer) => {
      out += d.toString();
      const m = re.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m);
      }
    };
    proc.stdout?.on('data', look);
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => fail(new Error(`${what} exited with ${code}: ${out}`)));
  });
}

async function startGateway(dir: string, origin: string): Promise<{ proc: ChildProcess; base: string; db: string }> {
  const config = join(dir, 'gateway.yaml');
  writeFileSync(config, `seed: 1
routes:
  - name: bench
    variants:
      - { id: instant, adapter: openai, model: instant, baseURL: ${origin}/v1 }
`);
  const db = join(dir, 'bench.db');
  const proc = spawn(process.execPath, [CLI, 'gateway', '--config', config, '--port', '0', '--db', db], { stdio: ['ignore', 'pipe', 'pipe'] });
  const m = await waitForLine(proc, /metaorch gateway: (http:\/\/[\d.]+:\d+)\/v1/, 'metaorch gateway');
  return { proc, base: m[1]!, db };
}

async function startPortkey(): Promise<{ proc: ChildProcess; base: string } | null> {
  const script = join(PORTKEY, 'build/start-server.js');
  if (!existsSync(script)) return null;
  const port = 18000 + Math.floor(Math.random() * 2000);
  const proc = spawn(process.execPath, [script, `--port=${port}`, '--headless'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
  await waitForLine(proc, /Ready for connections/, 'portkey');
  return { proc, base: `http://127.0.0.1:${port}` };
}

/** Milliseconds from sending a streamed request to its first body byte, `n` times one after another. */
async function firstChunk(url: string, body: string, headers: Record<string, string>, n: number): Promise<Float64Array> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(url);
  const out: number[] = [];
  for (let i = 0; i < n + 20; i++) {
    const ms = await new Promise<number>((ok, fail) => {
      const t0 = performance.now();
      const req = request({ agent, host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
        let first = -1;
        res.on('data', () => {
          if (first < 0) first = performance.now() - t0;
        });
        res.on('end', () => ok(first));
        res.on('error', fail);
      });
      req.on('error', fail);
      req.end(body);
    });
    if (i >= 20) out.push(ms);
  }
  agent.destroy();
  return Float64Array.from(out).sort();
}

/** CPU time a process used so far (user + system), ms, from /proc (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const fmt = (ms: number) => `${ms.toFixed(3)} ms`;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

async function main(): Promise<void> {
  if (process.argv[2] === 'upstream') return upstream();
  if (!existsSync(CLI)) throw new Error('build first: npx tsc -p tsconfig.build.json');
  const dir = mkdtempSync(join(tmpdir(), 'metaorch-gateway-bench-'));
  const children: ChildProcess[] = [];
  const rows: [string, string, string, string][] = [];
  try {
    const up = await startUpstream();
    children.push(up.proc);
    const gw = await startGateway(dir, up.origin);
    children.push(gw.proc);
    const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'What is the capital of France?' }] });
    const direct = `${up.origin}/v1/chat/completions`;
    const through = `${gw.base}/v1/chat/completions`;

    // Warm-up at the measured rate: the gateway's first seconds run code V8 has not optimised yet and
    // fill a new store. Shown as its own row; the floors are on the steady state that follows.
    const cold = await openLoop({ url: through, body, rate: 500, seconds: WARMUP_SECONDS, warmup: 0 });
    // Fixed rate, interleaved: the reference and the gateway under the same machine load.
    const ref = await openLoop({ url: direct, body, rate: 500, seconds: SECONDS });
    const cpu0 = cpuMs(gw.proc.pid!);
    const gate = await openLoop({ url: through, body, rate: 500, seconds: SECONDS });
    const cpuPerRequest = (cpuMs(gw.proc.pid!) - cpu0) / gate.sent;
    const sent = cold.sent + 200 + gate.sent;
    await new Promise((r) => setTimeout(r, 500));
    const store = new Database(gw.db, { readonly: true });
    const recorded = (store.prepare("SELECT COUNT(*) AS n FROM trials WHERE status = 'ok'").get() as { n: number }).n;
    store.close();
    const p50 = quantile(gate.latencies, 0.5) - quantile(ref.latencies, 0.5);
    const p99 = quantile(gate.latencies, 0.99) - quantile(ref.latencies, 0.99);
    rows.push([`cold start: first ${WARMUP_SECONDS} s at 500 req/s, p50 / p99`, `${fmt(quantile(cold.latencies, 0.5))} / ${fmt(quantile(cold.latencies, 0.99))}`, '(warm-up)', 'latency through the gateway from its start, not counted below']);
    rows.push(['added latency p50 at 500 req/s', fmt(p50), '<= 1 ms', `direct ${fmt(quantile(ref.latencies, 0.5))}, gateway ${fmt(quantile(gate.latencies, 0.5))}`]);
    rows.push(['added latency p99 at 500 req/s', fmt(p99), '<= 5 ms', `direct ${fmt(quantile(ref.latencies, 0.99))}, gateway ${fmt(quantile(gate.latencies, 0.99))}`]);
    rows.push(['requests recorded in the store', `${recorded} of ${sent}`, 'all', `failed answers: ${gate.sent - gate.ok}`]);
    rows.push(['gateway CPU per request', fmt(cpuPerRequest), '', `load-independent: ${Math.round(1000 / cpuPerRequest)} requests per CPU-second`]);

    const pk = await startPortkey().catch((e: unknown) => {
      rows.push(['portkey', 'not measured', '', String((e as Error).message).slice(0, 80)]);
      return null;
    });
    if (pk) {
      children.push(pk.proc);
      const headers = { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${up.origin}/v1`, authorization: 'Bearer unused' };
      const ref2 = await openLoop({ url: direct, body, rate: 500, seconds: SECONDS });
      const port = await openLoop({ url: `${pk.base}/v1/chat/completions`, body, headers, rate: 500, seconds: SECONDS });
      rows.push(['portkey added latency p50 at 500 req/s', fmt(quantile(port.latencies, 0.5) - quantile(ref2.latencies, 0.5)), '(compare)', `ok ${port.ok} of ${port.sent}; records nothing`]);
      rows.push(['portkey added latency p99 at 500 req/s', fmt(quantile(port.latencies, 0.99) - quantile(ref2.latencies, 0.99)), '(compare)', '']);
      const pmax = await closedLoop({ url: `${pk.base}/v1/chat/completions`, body, headers, concurrency: 64, seconds: Math.max(3, SECONDS / 2) });
      rows.push(['portkey max requests/s', Math.round(pmax.ok / pmax.seconds).toString(), '(compare)', '']);
      pk.proc.kill();
    }

    const max = await closedLoop({ url: through, body, concurrency: 64, seconds: Math.max(3, SECONDS / 2) });
    const maxDirect = await closedLoop({ url: direct, body, concurrency: 64, seconds: Math.max(3, SECONDS / 2) });
    rows.push(['max requests/s, one gateway process', Math.round(max.ok / max.seconds).toString(), '>= 2000', `upstream alone: ${Math.round(maxDirect.ok / maxDirect.seconds)}/s; errors ${max.sent - max.ok}`]);

    const streamBody = JSON.stringify({ model: 'bench', stream: true, messages: [{ role: 'user', content: 'What is the capital of France?' }] });
    const fDirect = await firstChunk(direct, streamBody, {}, 200);
    const fGate = await firstChunk(through, streamBody, {}, 200);
    rows.push(['first streamed chunk, added p50', fmt(quantile(fGate, 0.5) - quantile(fDirect, 0.5)), '<= 2 ms', `direct ${fmt(quantile(fDirect, 0.5))}, gateway ${fmt(quantile(fGate, 0.5))}; p99 added ${fmt(quantile(fGate, 0.99) - quantile(fDirect, 0.99))}`]);

    const variants = [{ score: 0.5 }, { score: 0.6 }];
    const policy = { name: 'gaussian-thompson', discount: 0.999 };
    const shares = Array.from({ length: 20 }, (_, s) => learning({ policy, variants, feedbacks: 500, window: 100, seed: s + 1 })).sort((a, b) => a - b);
    rows.push(['learning: share on the +10-point variant', `${pct(shares.reduce((a, b) => a + b) / shares.length)} mean`, '>= 90% within 500', `last 100 choices before the 500th feedback; worst seed ${pct(shares[0]!)}; feedback late, out of order`]);
    const moves = Array.from({ length: 20 }, (_, s) => failover({ policy, variants, before: 500, seed: s + 1 })).sort((a, b) => a - b);
    const movesNoBreaker = Array.from({ length: 20 }, (_, s) => failover({ policy, variants, before: 500, seed: s + 1, breaker: { failures: 0, cooldownMs: 0 } })).sort((a, b) => a - b);
    rows.push(['failover: requests until traffic moves away', `${moves[10]} median, ${moves[19]} worst`, '<= 200', `breaker off (policy alone): ${movesNoBreaker[10]} median, ${movesNoBreaker[19]} worst`]);

    // 2,000 replayed tasks of three kinds; per variant quality and price known (a cheap model good at
    // easy tasks, a dear one good at everything, a middle one).
    const kinds = [[0.9, 0.95, 0.92], [0.3, 0.9, 0.6], [0.5, 0.85, 0.8]];
    const quality = Array.from({ length: 2000 }, (_, i) => kinds[i % 3]!);
    const cost = [0.0002, 0.01, 0.002];
    for (const objective of [{ score: 1, error: 0 }, { score: 1, error: 0, cost: { weight: 1, per: 0.01 } }]) {
      const r = replayMix({ policy, objective, quality, cost, seed: 3 });
      const singles = r.single.map((s, i) => `${['cheap', 'dear', 'middle'][i]} ${s.quality.toFixed(3)}/$${s.cost.toFixed(2)}`).join(', ');
      rows.push([`replayed mix (${objective.cost ? 'score, cost weighted' : 'score'})`, `${r.mix.quality.toFixed(3)} / $${r.mix.cost.toFixed(2)}`, 'vs singles', `${singles}; shares ${r.mix.shares.map(pct).join(' ')}`]);
    }
  } finally {
    for (const c of children) c.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`\ngateway benchmark (${SECONDS}s per fixed-rate phase)\n`);
  for (const r of rows) console.log(`${r[0].padEnd(w[0]!)}  ${r[1].padStart(w[1]!)}  ${r[2].padEnd(w[2]!)}  ${r[3]}`);
}

await main();
