import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
const N = 333334;
const RUN = '20261202-021214-1cae';
const variants = { base: [], cache64: ['cache_size = -65536'], page16k: ['page_size = 16384'], both: ['page_size = 16384', 'cache_size = -65536'] };
const res = {};
for (let rep = 0; rep < 3; rep++) for (const [name, pragmas] of Object.entries(variants)) {
  const f = `/tmp/tb-${name}.db`; rmSync(f, { force: true }); rmSync(f + '-wal', { force: true });
  const db = new Database(f);
  for (const p of pragmas) if (p.startsWith('page')) db.pragma(p);
  db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
  for (const p of pragmas) if (!p.startsWith('page')) db.pragma(p);
  db.exec(`CREATE TABLE tasks (run_id TEXT NOT NULL, idx INTEGER NOT NULL, id TEXT NOT NULL, input TEXT NOT NULL, expected TEXT, metadata TEXT, PRIMARY KEY (run_id, idx))`);
  const values = Array.from({ length: 64 }, () => '(?, ?, ?, ?, ?, ?)').join(', ');
  const st = db.prepare(`INSERT INTO tasks (run_id, idx, id, input, expected, metadata) VALUES ${values}`);
  const c0 = process.cpuUsage();
  db.transaction(() => {
    let chunk = [];
    for (let i = 0; i < N; i++) {
      chunk.push(RUN, i, `t${i}`, JSON.stringify({ n: i }), JSON.stringify(String((i * 7) % 1000)), null);
      if (chunk.length === 64 * 6) { st.run(chunk); chunk = []; }
    }
  })();
  const c = process.cpuUsage(c0);
  (res[name] ??= []).push(Math.round((c.user + c.system) / 1000));
  db.close();
}
console.log(res);
