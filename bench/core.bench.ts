/**
 * The core benchmark: throughput and memory of the real engine, every trial durably recorded in a real
 * SQLite file (WAL, synchronous=NORMAL, as shipped).
 *
 *   npx tsc -p tsconfig.build.json     # the memory cases run the built CLI
 *   npx tsx bench/core.bench.ts [--quick] [--controller]   (--controller: with `controller: {}`)
 *
 * Prints a table and writes bench/results/core.json. Exits 1 when a floor is missed.
 *
 * Wall-clock throughput depends on what else the machine runs; the `trials/CPU-s` column (trials per
 * second of CPU time the process used) does not, and is what an idle machine would show as wall
 * throughput for the CPU-bound cases (the engine is single-threaded).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadExperiment } from '../src/config/load.js';
import { startRun } from '../src/engine/run.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { measureNode } from './core-rss.js';
import { countRecorded, writeGrid, type GridSpec } from './core-setup.js';

const REPO = resolve(import.meta.dirname, '..');
const CLI = join(REPO, 'dist/cli/main.js');
const quick = process.argv.includes('--quick');
/** `--controller`: every experiment gets `controller: {}`, to compare with a run without it. */
const controlled = process.argv.includes('--controller');

interface Row {
  case: string;
  how: string;
  planned: number | null;
  recorded: number | null;
  wallMs: number | null;
  trialsPerSec: number | null;
  trialsPerCpuSec: number | null;
  peakRssMb: number | null;
  floor: string;
  /** null: no floor (reference or informational row). */
  pass: boolean | null;
  note?: string;
}

const fmtInt = (n: number) => n.toLocaleString('en-US');

interface InProcess {
  planned: number;
  recorded: number;
  wallMs: number;
  cpuMs: number;
  complete: boolean;
}

/** Runs a generated grid in this process: loadExperiment, then startRun timed to its return (store flushed). */
async function inProcess(dir: string, spec: GridSpec): Promise<InProcess> {
  const file = writeGrid(join(dir, spec.name), { ...spec, controller: controlled });
  const experiment = await loadExperiment(file);
  const dbFile = join(dir, spec.name, 'bench.db');
  const store = SqliteStore.open(dbFile);
  const planned = spec.variants * spec.tasks * spec.repeats;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // Signals passed as the CLI passes them (the engine lifts their listener limit; see the report for the default one).
  const result = await startRun(experiment, { store, stop: new AbortController().signal, cancel: new AbortController().signal });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  store.close();
  const rec = await countRecorded(dbFile, result.runId);
  return {
    planned, recorded: rec.finished, wallMs, cpuMs: (cpu.user + cpu.system) / 1000,
    complete: rec.finished === planned && rec.distinctSeqs === planned && rec.scheduled === 0,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function instantCase(dir: string): Promise<Row> {
  const spec: GridSpec = { name: 'instant', variants: 3, tasks: 5000, repeats: 1, latencyMs: 0, concurrency: 50 };
  const runs: InProcess[] = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) runs.push(await inProcess(join(dir, `r${i}`), spec));
  const planned = spec.variants * spec.tasks;
  const wallMs = median(runs.map((r) => r.wallMs));
  const rate = planned / (wallMs / 1000);
  return {
    case: 'instant mock, 3 x 5,000, conc 50', how: `startRun, median of ${runs.length}`, planned,
    recorded: Math.min(...runs.map((r) => r.recorded)), wallMs, trialsPerSec: rate,
    trialsPerCpuSec: planned / (median(runs.map((r) => r.cpuMs)) / 1000), peakRssMb: null,
    floor: '>= 20,000 trials/s', pass: runs.every((r) => r.complete) && rate >= 20_000,
  };
}

async function latencyCase(dir: string): Promise<Row> {
  const tasks = quick ? 2000 : 5000;
  const spec: GridSpec = { name: 'latency', variants: 3, tasks, repeats: 1, latencyMs: 20, concurrency: 50 };
  const r = await inProcess(dir, spec);
  const rate = r.planned / (r.wallMs / 1000);
  const ideal = spec.concurrency * (1000 / spec.latencyMs);
  return {
    case: `20 ms mock, 3 x ${fmtInt(tasks)}, conc 50`, how: 'startRun', planned: r.planned, recorded: r.recorded,
    wallMs: r.wallMs, trialsPerSec: rate, trialsPerCpuSec: r.planned / (r.cpuMs / 1000), peakRssMb: null,
    floor: `>= 90% of ideal ${fmtInt(ideal)}/s`, pass: r.complete && rate >= 0.9 * ideal, note: `${((rate / ideal) * 100).toFixed(1)}% of ideal`,
  };
}

/** Runs a grid through the real CLI (`node dist/cli/main.js run`), measuring the process's peak RSS. */
async function cliCase(dir: string, spec: GridSpec, label: string, floorMb: number | null): Promise<Row> {
  const planned = spec.variants * spec.tasks * spec.repeats;
  const base: Row = {
    case: label, how: 'real CLI process', planned, recorded: null, wallMs: null, trialsPerSec: null, trialsPerCpuSec: null,
    peakRssMb: null, floor: floorMb ? `< ${floorMb} MB peak RSS` : '-', pass: null,
  };
  if (!existsSync(CLI)) return { ...base, pass: false, note: `${CLI} missing: run npx tsc -p tsconfig.build.json` };
  const file = writeGrid(join(dir, spec.name), { ...spec, controller: controlled });
  const dbFile = join(dir, spec.name, 'bench.db');
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env['METAORCH_DB'];
  const m = await measureNode([CLI, 'run', file, '--db', dbFile, '--no-progress', '--out', join(dir, spec.name, 'out')], { cwd: dir, env });
  const runId = /Run (\S+)/.exec(m.stdout)?.[1];
  if (m.code !== 0 || !runId) return { ...base, pass: false, note: `exit ${m.code}: ${(m.stderr || m.stdout).trim().split('\n').slice(-3).join(' | ')}` };
  const rec = await countRecorded(dbFile, runId);
  const complete = rec.finished === planned && rec.distinctSeqs === planned && rec.scheduled === 0;
  return {
    ...base, recorded: rec.finished, wallMs: m.wallMs, trialsPerSec: planned / (m.wallMs / 1000),
    trialsPerCpuSec: m.cpuSec ? planned / m.cpuSec : null, peakRssMb: m.peakRssMb,
    pass: floorMb === null ? (complete ? null : false) : complete && m.peakRssMb < floorMb,
    note: `peak RSS via ${m.rssSource}; wall and CPU include process start, validation, ${fmtInt(spec.tasks)} tasks stored, report`,
  };
}

function table(rows: Row[]): string {
  const n = (x: number | null, digits = 0) =>
    x === null ? '-' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const head = ['case', 'how', 'planned', 'recorded', 'wall', 'trials/s', 'trials/CPU-s', 'peak RSS', 'floor', 'result'];
  const body = rows.map((r) => [
    r.case, r.how, n(r.planned), n(r.recorded), r.wallMs === null ? '-' : `${n(r.wallMs / 1000, 2)} s`, n(r.trialsPerSec),
    n(r.trialsPerCpuSec), r.peakRssMb === null ? '-' : `${n(r.peakRssMb, 1)} MB`, r.floor,
    r.pass === null ? (r.how === 'as reported' ? 'ref' : '-') : r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.case} (${r.how}): ${r.note}`);
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), '', ...notes].join('\n');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'metaorch-bench-'));
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  const rows: Row[] = [{
    case: 'reference: peer (issue), 3 x 5,000 instant', how: 'as reported', planned: 15_000, recorded: null, wallMs: null,
    trialsPerSec: null, trialsPerCpuSec: null, peakRssMb: null, floor: '~150-200 trials/s, > 1 GB RSS', pass: null,
  }];
  try {
    rows.push(await instantCase(dir));
    rows.push(await cliCase(dir, { name: 'instant-cli', variants: 3, tasks: 5000, repeats: 1, latencyMs: 0, concurrency: 50 },
      'instant mock, 3 x 5,000, conc 50', null));
    const repeats = quick ? 4 : 20;
    rows.push(await cliCase(dir, { name: 'memory-repeats', variants: 3, tasks: 5000, repeats, latencyMs: 0, concurrency: 50 },
      `memory: instant, 3 x 5,000 x ${repeats} repeats`, 200));
    const tasks = quick ? 20_000 : 100_000;
    rows.push(await cliCase(dir, { name: 'memory-tasks', variants: 3, tasks, repeats: 1, latencyMs: 0, concurrency: 50 },
      `memory: instant, 3 x ${fmtInt(tasks)} tasks`, 200));
    rows.push(await latencyCase(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const loadAfter = loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`meta-orchestrator core benchmark${quick ? ' (--quick)' : ''}${controlled ? ' with controller: {}' : ''}: node ${process.version}, ${cpus().length} CPUs, ` +
    `load average ${load} before / ${loadAfter} after, ${new Date().toISOString()}\n`);
  console.log(table(rows));
  const out = join(REPO, 'bench/results');
  mkdirSync(out, { recursive: true });
  const json = { quick, node: process.version, cpus: cpus().length, loadavg: { before: load, after: loadAfter }, at: new Date().toISOString(), rows };
  const name = controlled ? 'core-controller.json' : 'core.json';
  writeFileSync(join(out, name), `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nJSON: ${join(out, name)}`);
  if (rows.some((r) => r.pass === false)) process.exitCode = 1;
}

await main();
