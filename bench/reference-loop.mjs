// The physical reference of bench/cli.bench.ts: the least a Node process must do to run N instant
// trials and record each durably. An async provider, the equals check, one row per trial appended
// to better-sqlite3 in WAL mode (synchronous=NORMAL, as the store), one transaction per 4,096 rows or
// 50 ms. Plain JavaScript run by plain node, so nothing but the work itself is measured.
//
//   node bench/reference-loop.mjs DB_FILE TASKS VARIANTS     -> prints {"trials":N,"loopMs":...}
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';

const [dbFile, tasksArg = '333334', variantsArg = '3'] = process.argv.slice(2);
const tasks = Number(tasksArg);
const variants = Number(variantsArg);
const db = new Database(dbFile);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE IF NOT EXISTS results (seq INTEGER PRIMARY KEY, variant TEXT, task TEXT, output TEXT, score REAL, latency_ms REAL, finished_at INTEGER)');
const insert = db.prepare('INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?)');
const commit = db.transaction((rows) => {
  for (const row of rows) insert.run(row);
});
const provider = async (prompt, expected, correct) => (correct ? expected : `${expected}0`);

const started = performance.now();
let rows = [];
let oldest = 0;
for (let seq = 0, n = tasks * variants; seq < n; seq++) {
  const task = Math.floor(seq / variants);
  const variant = seq - task * variants;
  const expected = String((task * 7) % 1000);
  const t0 = performance.now();
  const output = await provider(`What is ${task} times seven modulo a thousand?`, expected, (seq * 2654435761) % 10 < 5 + variant);
  const latencyMs = performance.now() - t0;
  const score = output.trim() === expected ? 1 : 0;
  if (rows.length === 0) oldest = t0;
  rows.push([seq, `v${variant}`, `t${task}`, output, score, latencyMs, Date.now()]);
  if (rows.length >= 4096 || t0 - oldest >= 50) {
    commit(rows);
    rows = [];
  }
}
commit(rows);
db.close();
process.stdout.write(`${JSON.stringify({ trials: tasks * variants, loopMs: performance.now() - started })}\n`);
