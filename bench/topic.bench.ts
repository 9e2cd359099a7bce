/**
 * Topic mode benchmark (seeded), one table:
 *
 *   npx tsc -p tsconfig.build.json     # the producer-rate case runs the built CLI
 *   npx tsx bench/topic.bench.ts [--quick]
 *
 * - Dedup throughput with 100,000 items stored: the exact layer alone, and with near-duplicate
 *   detection (new items offered one by one, as the master does).
 * - Memory of the deduplicator (all layers) holding 1,000,000 items, measured in a fresh child process
 *   (RSS and heap+array buffers after a GC, minus the same process before).
 * - Precision and recall of the default layers on the labelled pairs (src/topic/__fixtures__).
 * - Routing: mock vocabularies of 200 and 2,000 items, the continuous run's default policy (discounted
 *   Thompson) learning unique items per call: the richer one's share within 200 requests; and the
 *   unique items found against a uniform split of the same number of calls (four variants).
 *   These run the real deduplicator, policy and mock vocabularies in process, without the store.
 * - Producers: `metaorch orchestrator -n 5 --topic` against mock variants with 20 ms latency (the
 *   real CLI): requests per second over the run's first trial start to last trial end, as a share of
 *   the ideal (trials in flight / 20 ms).
 * Exits 1 when a floor is missed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { mockTopicSchema, vocabularyDrawer, vocabularyItem } from '../src/adapters/mock-vocabulary.js';
import { createRandom, hashSeed } from '../src/model/random.js';
import { createPolicy, type PolicyConfig } from '../src/policies/index.js';
import { Deduper } from '../src/topic/dedup.js';
import { labelledPairs, pairScores } from '../src/topic/pair-eval.js';

const REPO = resolve(import.meta.dirname, '..');
const CLI = join(REPO, 'dist/cli/main.js');
const quick = process.argv.includes('--quick');

if (process.argv.includes('--memory-child')) {
  const n = Number(process.argv[process.argv.indexOf('--memory-child') + 1]);
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  const m0 = process.memoryUsage();
  const dedup = new Deduper();
  for (let i = 0; i < n; i++) dedup.restoreSync(vocabularyItem(i % 97, i));
  gc();
  const m1 = process.memoryUsage();
  const mb = (b: number) => b / 1048576;
  process.stdout.write(JSON.stringify({ rssMb: mb(m1.rss - m0.rss), heapMb: mb(m1.heapUsed + m1.arrayBuffers - m0.heapUsed - m0.arrayBuffers), typedMb: mb(dedup.bytes()), size: dedup.size }));
  process.exit(0);
}

interface Row {
  measure: string;
  value: string;
  reference: string;
  floor: string;
  ok: boolean;
}
const rows: Row[] = [];

function items(pool: number, from: number, n: number): string[] {
  return Array.from({ length: n }, (_, i) => vocabularyItem(pool, from + i));
}

function throughput(near: boolean): { rate: number; reference: number } {
  const stored = 100_000;
  const dedup = new Deduper(near ? {} : { near: null });
  for (const s of items(1, 0, stored)) dedup.restoreSync(s);
  const offered = [...items(2, 0, near ? 20_000 : 100_000)];
  // Half new items, half respellings of stored ones (lower case with an article): both paths measured.
  for (let i = 0; i < offered.length; i += 2) offered[i] = `the ${vocabularyItem(1, (i * 7919) % stored).toLowerCase()}`;
  // Reference: the same strings through a JS Set of lower-cased strings (the cheapest exact check).
  const set = new Set<string>();
  let t = performance.now();
  for (const s of offered) set.add(s.toLowerCase());
  const reference = offered.length / ((performance.now() - t) / 1000);
  t = performance.now();
  for (const s of offered) dedup.offerSync(s);
  return { rate: offered.length / ((performance.now() - t) / 1000), reference };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

for (const near of [false, true]) {
  const { rate, reference } = throughput(near);
  const floor = near ? 20_000 : 100_000;
  rows.push({ measure: `dedup, ${near ? 'exact + near' : 'exact layer'}, 100k stored`, value: `${fmt(rate)} items/s`, reference: `JS Set ${fmt(reference)}/s (${(rate / reference).toFixed(2)}x)`, floor: `>= ${fmt(floor)}/s`, ok: rate >= floor });
}

{
  const n = quick ? 200_000 : 1_000_000;
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', import.meta.filename, '--memory-child', String(n)], { encoding: 'utf8', cwd: REPO });
  const m = JSON.parse(child.stdout) as { rssMb: number; heapMb: number; typedMb: number };
  rows.push({ measure: `dedup memory, ${fmt(n)} stored`, value: `${m.rssMb.toFixed(0)} MB RSS`, reference: `heap+buffers ${m.heapMb.toFixed(0)} MB, typed arrays ${m.typedMb.toFixed(0)} MB`, floor: '< 300 MB', ok: m.rssMb < 300 });
}

{
  const s = pairScores(labelledPairs(), () => new Deduper());
  const exact = pairScores(labelledPairs(), () => new Deduper({ near: null }));
  rows.push({ measure: `labelled pairs (${labelledPairs().length}): precision`, value: s.precision.toFixed(3), reference: `exact layer only ${exact.precision.toFixed(3)}`, floor: '>= 0.95', ok: s.precision >= 0.95 });
  rows.push({ measure: 'labelled pairs: recall', value: s.recall.toFixed(3), reference: `exact layer only ${exact.recall.toFixed(3)}`, floor: '>= 0.90', ok: s.recall >= 0.9 });
}

/** A topic run in process: the policy picks a variant, its vocabulary answers, the dedup counts. */
function simulate(vocabularies: number[], calls: number, policy: PolicyConfig, seed: number): { unique: number; shares: number[] } {
  const batch = 10;
  const drawers = vocabularies.map((size, i) => vocabularyDrawer(mockTopicSchema.parse({ vocabulary: size, skew: 1, overlap: 0.2, nearDuplicates: 0.1, seed: i + 1 })));
  const rng = createRandom(seed);
  const p = createPolicy(policy, vocabularies.length, rng.fork('policy'));
  const dedup = new Deduper();
  const counts = vocabularies.map(() => 0);
  const eligible = vocabularies.map((_, i) => i);
  const pending = new Float64Array(vocabularies.length);
  for (let c = 0; c < calls; c++) {
    const arm = p.choose({ eligible, pending, rng: createRandom(hashSeed(seed, 'choose', c)) });
    counts[arm]!++;
    let fresh = 0;
    for (const item of drawers[arm]!.draw(batch, createRandom(hashSeed(seed, 'draw', c)))) if (dedup.offerSync(item).isNew) fresh++;
    p.update(arm, fresh / batch, { success: true });
  }
  return { unique: dedup.size, shares: counts.map((n) => n / calls) };
}

{
  const seeds = quick ? 5 : 20;
  let share = 0;
  for (let s = 0; s < seeds; s++) share += simulate([200, 2000], 200, { name: 'thompson', discount: 0.999 }, 100 + s).shares[1]!;
  share /= seeds;
  rows.push({ measure: 'vocabularies 200 vs 2,000: richer share of 200 requests', value: `${(share * 100).toFixed(1)}%`, reference: `uniform 50%, ${seeds} seeds`, floor: '>= 70%', ok: share >= 0.7 });
  let policy = 0;
  let uniform = 0;
  const vocabularies = [150, 150, 150, 4000];
  for (let s = 0; s < seeds; s++) {
    policy += simulate(vocabularies, 600, { name: 'thompson', discount: 0.999 }, 200 + s).unique;
    uniform += simulate(vocabularies, 600, { name: 'uniform' }, 200 + s).unique;
  }
  const ratio = policy / uniform;
  rows.push({ measure: `unique items vs a uniform split (vocabularies ${vocabularies.join('/')}, 600 calls)`, value: `${(ratio).toFixed(2)}x`, reference: `${fmt(policy / seeds)} vs ${fmt(uniform / seeds)} items`, floor: '>= 1.5x', ok: ratio >= 1.5 });
}

/** Requests per second of a run through the CLI: its trials over first start to last end. */
async function cliRate(args: string[], dir: string, db: string): Promise<{ rate: number; trials: number }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: 'ignore' });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0) throw new Error(`metaorch ${args[0]} exited ${code}`);
  const sqlite = new Database(db, { readonly: true });
  const t = sqlite.prepare("SELECT COUNT(*) AS n, MIN(started_at) AS a, MAX(finished_at) AS b FROM trials WHERE status != 'scheduled'").get() as { n: number; a: number; b: number };
  sqlite.close();
  return { rate: t.n / ((t.b - t.a) / 1000), trials: t.n };
}

{
  const dir = mkdtempSync(join(tmpdir(), 'metaorch-topic-bench-'));
  try {
    const trials = quick ? 1000 : 3000;
    const variants = join(dir, 'variants.yaml');
    writeFileSync(variants, [1, 2, 3].map((i) => `- { id: v${i}, adapter: mock, latencyMs: 20, topic: { vocabulary: 100000, seed: ${i} } }`).join('\n'));
    const topic = await cliRate(['orchestrator', '-n', '5', '-p', '0', '--no-web', '--no-progress', '--db', join(dir, 't.db'), '--topic', 'bench topic', '--variants', variants, '--max-requests', String(trials)], dir, join(dir, 't.db'));
    // Reference: the same pool, concurrency and mock latency on a plain continuous run (no topic).
    writeFileSync(join(dir, 'plain.yaml'), [
      'mode: continuous', 'concurrency: 10', `budget: { trials: ${trials} }`, 'executor: { type: pool, workers: 5 }',
      'tasks: [{ id: t1, input: { q: x }, expected: x }]', 'prompt: "{{q}}"', 'variants:',
      ...[1, 2, 3].map((i) => `  - { id: v${i}, adapter: mock, latencyMs: 20 }`),
    ].join('\n'));
    const plain = await cliRate(['run', 'plain.yaml', '--db', join(dir, 'p.db'), '--no-progress'], dir, join(dir, 'p.db'));
    const ideal = 10 / 0.02; // 10 requests in flight (2 per producer), each 20 ms
    rows.push({
      measure: `5 producers, mock 20 ms, ${fmt(topic.trials)} requests`, value: `${fmt(topic.rate)} req/s (${((topic.rate / ideal) * 100).toFixed(1)}% of ideal ${fmt(ideal)}/s)`,
      reference: `plain continuous run, same pool: ${fmt(plain.rate)}/s (${((plain.rate / ideal) * 100).toFixed(1)}%)`, floor: '>= 90% of ideal', ok: topic.rate >= 0.9 * ideal,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const widths = (['measure', 'value', 'reference', 'floor'] as const).map((k) => Math.max(k.length, ...rows.map((r) => r[k].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(line(['measure', 'value', 'reference', 'floor']) + '  ok');
console.log(widths.map((w) => '-'.repeat(w)).join('  ') + '  --');
for (const r of rows) console.log(line([r.measure, r.value, r.reference, r.floor]) + `  ${r.ok ? 'yes' : 'NO'}`);
process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
