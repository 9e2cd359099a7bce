import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
const N = 333334;
const RUN = '20261202-021214-1cae';
for (const variant of ['multi64', 'single', 'single-raw-array', 'multi16', 'without-single', 'multi64']) {
  const f = `/tmp/tb-${variant}.db`; rmSync(f, { force: true }); rmSync(f + '-wal', { force: true });
  const db = new Database(f); db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE tasks (run_id TEXT NOT NULL, idx INTEGER NOT NULL, id TEXT NOT NULL, input TEXT NOT NULL, expected TEXT, metadata TEXT, PRIMARY KEY (run_id, idx))${variant.startsWith('without') ? ' WITHOUT ROWID' : ''}`);
  const rows = variant.startsWith('multi') ? Number(variant.slice(5)) : 1;
  const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?)').join(', ');
  const st = db.prepare(`INSERT INTO tasks (run_id, idx, id, input, expected, metadata) VALUES ${values}`);
  const t0 = performance.now(); const c0 = process.cpuUsage();
  db.transaction(() => {
    let chunk = [];
    for (let i = 0; i < N; i++) {
      if (rows === 1) { st.run(RUN, i, `t${i}`, JSON.stringify({ n: i }), JSON.stringify(String((i * 7) % 1000)), null); continue; }
      chunk.push(RUN, i, `t${i}`, JSON.stringify({ n: i }), JSON.stringify(String((i * 7) % 1000)), null);
      if (chunk.length === rows * 6) { st.run(chunk); chunk = []; }
    }
  })();
  const c = process.cpuUsage(c0);
  console.log(variant, (performance.now() - t0).toFixed(0), 'ms', ((c.user + c.system) / 1000).toFixed(0), 'cpu ms');
  db.close();
}
