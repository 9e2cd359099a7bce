import Database from 'better-sqlite3';
import { rmSync, readFileSync } from 'node:fs';
const RUN = '20261202-021214-1cae';
const buf = readFileSync('/tmp/g1m/tasks.jsonl');
const res = {};
for (let rep = 0; rep < 3; rep++) for (const mode of ['js', 'sql']) {
  const f = `/tmp/tb-${mode}.db`; rmSync(f, { force: true }); rmSync(f + '-wal', { force: true });
  const db = new Database(f); db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE tasks (run_id TEXT NOT NULL, idx INTEGER NOT NULL, id TEXT NOT NULL, input TEXT NOT NULL, expected TEXT, metadata TEXT, PRIMARY KEY (run_id, idx))`);
  const R = 64;
  const js = db.prepare(`INSERT INTO tasks (run_id, idx, id, input, expected, metadata) VALUES ${Array.from({ length: R }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`);
  const sql = db.prepare(`INSERT INTO tasks (run_id, idx, id, input, expected, metadata) SELECT @run, value ->> '$[0]', value ->> '$[1].id', value -> '$[1].input', value -> '$[1].expected', value -> '$[1].metadata' FROM json_each(@rows)`);
  const c0 = process.cpuUsage();
  db.transaction(() => {
    let chunk = []; let idx = 0; let start = 0; let parts = [];
    for (let nl = buf.indexOf(10, 0); nl !== -1; nl = buf.indexOf(10, start)) {
      const line = buf.toString('utf8', start, nl); start = nl + 1;
      if (mode === 'js') {
        const r = JSON.parse(line);
        chunk.push(RUN, idx++, String(r.id), JSON.stringify(r.input), r.expected === undefined ? null : JSON.stringify(r.expected), r.metadata ? JSON.stringify(r.metadata) : null);
        if (chunk.length === R * 6) { js.run(chunk); chunk = []; }
      } else {
        parts.push(`[${idx++},${line}]`);
        if (parts.length === 1024) { sql.run({ run: RUN, rows: `[${parts.join(',')}]` }); parts = []; }
      }
    }
    if (parts.length) sql.run({ run: RUN, rows: `[${parts.join(',')}]` });
  })();
  const c = process.cpuUsage(c0);
  (res[mode] ??= []).push(Math.round((c.user + c.system) / 1000));
  if (rep === 2) console.log(mode, db.prepare('select count(*), max(idx) from tasks').raw().get(), db.prepare('select * from tasks where idx=5').raw().get());
  db.close();
}
console.log(res);
