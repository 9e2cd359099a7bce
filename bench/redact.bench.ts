/**
 * The cost of redaction, which runs on every trial's output, error message and score reasons.
 *
 *   npx tsx bench/redact.bench.ts
 *
 * Two tables, each a ratio to a reference measured in the same invocation:
 * 1. the redactor alone, per call, on outputs of 10 B to 10 KB: the fragment redactor (blanks any 6+
 *    character piece of a secret) against the whole-value one it replaced (split/join of exact values);
 * 2. the engine, in process (the core benchmark's instant 3 x 5,000 grid, every trial recorded in
 *    SQLite), with and without a secret referenced by the variants, with short and 2 KB outputs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExperiment } from '../src/config/load.js';
import { startRun } from '../src/engine/run.js';
import { createRedactor } from '../src/model/redact.js';
import { SqliteStore } from '../src/store/sqlite-store.js';

const SECRETS = ['sk-proj-Q7x9Zr2mWb4Tn8LkP3vY6hJdA1sF5gH8jK2lZ4xC6vB9nM0qW3eR', 'ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', 'xoxb-1234-5678-abcdefghij'];

/** The redactor this one replaced: whole values only. */
function wholeValueRedactor(secrets: string[]): (text: string) => string {
  const values = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const s of values) if (out.includes(s)) out = out.split(s).join('***');
    return out;
  };
}

function perCallNs(f: (text: string) => string, texts: string[], minMs = 300): number {
  let sink = 0;
  let calls = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    for (const t of texts) sink += f(t).length;
    calls += texts.length;
  }
  if (sink === -1) console.log(sink);
  return ((performance.now() - t0) * 1e6) / calls;
}

function text(bytes: number, seed: number): string {
  const words = ['the', 'answer', 'is', 'Paris', 'because', 'capital', 'of', 'France', 'error:', 'timeout', 'at', 'line', '42'];
  let out = '';
  for (let i = seed; out.length < bytes; i++) out += `${words[(i * 7) % words.length]} `;
  return out.slice(0, bytes);
}

function microTable(): string[] {
  const rows = [['output', 'secrets', 'whole-value (ref) ns/call', 'fragment ns/call', 'ratio', 'fragment MB/s']];
  for (const bytes of [10, 200, 2048, 10_240]) {
    for (const count of [1, 3]) {
      const secrets = SECRETS.slice(0, count);
      const texts = Array.from({ length: 64 }, (_, i) => text(bytes, i));
      const ref = perCallNs(wholeValueRedactor(secrets), texts);
      const now = perCallNs(createRedactor(secrets), texts);
      rows.push([`${bytes.toLocaleString('en-US')} B`, String(count), ref.toFixed(0), now.toFixed(0), `${(now / ref).toFixed(2)}x`, ((bytes / now) * 1e3).toFixed(0)]);
    }
  }
  return format(rows);
}

async function engineRate(dir: string, name: string, opts: { secret: boolean; outputBytes: number }): Promise<number> {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  const tasks = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ id: `t${i}`, input: { n: i }, expected: String((i * 7) % 1000) }));
  writeFileSync(join(d, 'tasks.jsonl'), `${tasks.join('\n')}\n`);
  const reply = opts.outputBytes > 0 ? `    reply: ${JSON.stringify(text(opts.outputBytes, 3))}\n` : '';
  const secret = opts.secret ? '    distractors: ["${BENCH_KEY}", "wrong"]\n' : '';
  const variants = [0, 1, 2].map((v) => `  - id: v${v}\n    adapter: mock\n    accuracy: ${0.5 + v * 0.1}\n${reply}${secret}`).join('');
  writeFileSync(join(d, 'exp.yaml'), `name: ${name}\nseed: 7\nconcurrency: 50\nretries: 0\nprompt: "What is {{n}}?"\ntasks: ./tasks.jsonl\nscorers: [equals]\nvariants:\n${variants}`);
  const env = { ...process.env, BENCH_KEY: SECRETS[0] };
  const experiment = await loadExperiment(join(d, 'exp.yaml'), env);
  const store = SqliteStore.open(join(d, 'bench.db'));
  const t0 = performance.now();
  await startRun(experiment, { store, env, stop: new AbortController().signal, cancel: new AbortController().signal });
  const ms = performance.now() - t0;
  store.close();
  return 15_000 / (ms / 1000);
}

async function engineTable(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'metaorch-redact-bench-'));
  try {
    const rows = [['case', 'no secret (ref) trials/s', 'secret referenced trials/s', 'ratio']];
    for (const outputBytes of [0, 2048]) {
      const rates = { off: [] as number[], on: [] as number[] };
      // Interleaved, median of 3: the machine's load drifts between runs.
      for (let i = 0; i < 3; i++) {
        rates.off.push(await engineRate(dir, `off-${outputBytes}-${i}`, { secret: false, outputBytes }));
        rates.on.push(await engineRate(dir, `on-${outputBytes}-${i}`, { secret: true, outputBytes }));
      }
      const off = median(rates.off);
      const on = median(rates.on);
      rows.push([`instant mock 3 x 5,000, ${outputBytes ? '2 KB outputs' : 'short outputs'}`, off.toFixed(0), on.toFixed(0), `${(on / off).toFixed(2)}x`]);
    }
    return format(rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function format(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)];
}

const load = loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`meta-orchestrator redaction benchmark: node ${process.version}, ${cpus().length} CPUs, load average ${load}\n`);
console.log('Redactor alone (per call, 64 distinct texts):');
console.log(microTable().join('\n'));
console.log('\nEngine (startRun in process, every trial recorded):');
console.log((await engineTable()).join('\n'));
