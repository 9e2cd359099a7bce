import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
const N = 333334;
for (const variant of ['rowid', 'rowid-nofk', 'without-nofk', 'js-only']) {
  const f = `/tmp/tb-${variant}.db`; rmSync(f, { force: true }); rmSync(f + '-wal', { force: true });
  const db = new Database(f); db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE runs (id TEXT PRIMARY KEY); INSERT INTO runs VALUES ('20261202-021214-1cae');
  CREATE TABLE tasks (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, idx INTEGER NOT NULL, id TEXT NOT NULL, input TEXT NOT NULL, expected TEXT, metadata TEXT, PRIMARY KEY (run_id, idx))${variant.startsWith('without') ? ' WITHOUT ROWID' : ''}`);
  if (!variant.includes('nofk')) db.pragma('foreign_keys = ON');
  const values = Array.from({ length: 64 }, () => '(?, ?, ?, ?, ?, ?)').join(', ');
  const st = db.prepare(`INSERT INTO tasks (run_id, idx, id, input, expected, metadata) VALUES ${values}`);
  const t0 = performance.now(); const c0 = process.cpuUsage();
  db.transaction(() => {
    let chunk = [];
    for (let i = 0; i < N; i++) {
      chunk.push('20261202-021214-1cae', i, `t${i}`, JSON.stringify({ n: i }), JSON.stringify(String((i * 7) % 1000)), null);
      if (chunk.length === 64 * 6) { if (variant !== 'js-only') st.run(chunk); chunk = []; }
    }
  })();
  const c = process.cpuUsage(c0);
  console.log(variant, (performance.now() - t0).toFixed(0), 'ms', ((c.user + c.system) / 1000).toFixed(0), 'cpu ms');
  db.close();
}
