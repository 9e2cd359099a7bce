import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
const N = 300_000, CH = 64;
const COLS = ['seq','variant_id','task_idx','repeat','seed','prompt','output','score','passed','reason','latency_ms','tokens_in','tokens_out','cost','scheduled_at','finished_at','reward'];
function open(f) { rmSync(f, { force: true }); rmSync(f + '-wal', { force: true }); const db = new Database(f); db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE trials (run_id TEXT NOT NULL, seq INTEGER NOT NULL, variant_id TEXT NOT NULL, task_idx INTEGER NOT NULL, repeat INTEGER NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL, prompt TEXT, output TEXT, score REAL, passed INTEGER, scores TEXT, attempts TEXT, attempt_count INTEGER, latency_ms REAL, tokens_in INTEGER, tokens_out INTEGER, cost REAL, error_kind TEXT, error TEXT, scheduled_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER, reward REAL, reason TEXT, cached INTEGER, PRIMARY KEY (run_id, seq)) WITHOUT ROWID; CREATE INDEX trials_unfinished ON trials (run_id, seq) WHERE status = 'scheduled';`); return db; }
const row = (i) => [i, 'v' + (i % 3), i / 3 | 0, 0, i * 7, null, String(i * 7 % 1000), 1, 1, null, 0.01, 10, 1, 0.00001, 1700000000000 + i, 1700000000001 + i, 1];
const upd = `ON CONFLICT (run_id, seq) DO UPDATE SET status = excluded.status WHERE trials.status = 'scheduled'`;
{ const db = open('/tmp/wb/a.db'); const v = `(@run, ${COLS.map(() => '?').join(',')}, 'ok', 1)`;
  const st = db.prepare(`INSERT INTO trials (run_id, ${COLS.join(',')}, status, attempt_count) VALUES ${Array(CH).fill(v).join(',')} ${upd}`);
  const t = performance.now(); const tx = db.transaction((from) => { for (let r = from; r < from + 4096 && r < N; r += CH) { const p = []; for (let i = r; i < r + CH; i++) p.push(...row(i)); st.run(p, { run: 'run-1234567890' }); } });
  for (let r = 0; r < N; r += 4096) tx(r); console.log('multi-row params', (performance.now() - t).toFixed(0)); db.close(); }
{ const db = open('/tmp/wb/b.db');
  const st = db.prepare(`INSERT INTO trials (run_id, ${COLS.join(',')}, status, attempt_count) SELECT @run, ${COLS.map((_, k) => `value->>${k}`).join(',')}, 'ok', 1 FROM json_each(@rows) WHERE true ${upd}`);
  const t = performance.now(); const tx = db.transaction((from) => { const rows = []; for (let i = from; i < from + 4096 && i < N; i++) rows.push(row(i)); st.run({ run: 'run-1234567890', rows: JSON.stringify(rows) }); });
  for (let r = 0; r < N; r += 4096) tx(r); console.log('json_each', (performance.now() - t).toFixed(0)); db.close(); }
{ const db = open('/tmp/wb/c.db'); const v = `(@run, ${COLS.map(() => '?').join(',')}, 'ok', 1)`;
  const st = db.prepare(`INSERT INTO trials (run_id, ${COLS.join(',')}, status, attempt_count) VALUES ${v} ${upd}`);
  const t = performance.now(); const tx = db.transaction((from) => { for (let i = from; i < from + 4096 && i < N; i++) st.run(row(i), { run: 'run-1234567890' }); });
  for (let r = 0; r < N; r += 4096) tx(r); console.log('single-row', (performance.now() - t).toFixed(0)); db.close(); }
