import Database from 'better-sqlite3';
const db = new Database('/tmp/g1m/store.db', { readonly: true });
const runId = db.prepare('select id from runs').pluck().get();
const N = db.prepare('select max(idx)+1 from tasks where run_id=?').pluck().get(runId);
const byIdx = db.prepare('SELECT id, input, expected, metadata FROM tasks WHERE run_id = ? AND idx >= ? AND idx < ? ORDER BY idx').raw();
const byRowid = db.prepare('SELECT run_id, idx, id, input, expected, metadata FROM tasks WHERE rowid >= ? AND rowid < ?').raw();
const base = db.prepare('SELECT rowid FROM tasks WHERE run_id = ? AND idx = 0').pluck().get(runId);
for (let rep = 0; rep < 3; rep++) {
  let c0 = process.cpuUsage(); let n = 0;
  for (let s = 0; s < N; s += 1024) n += byIdx.all(runId, s, s + 1024).length;
  let c = process.cpuUsage(c0); const a = (c.user + c.system) / 1000;
  c0 = process.cpuUsage(); let m = 0;
  for (let s = 0; s < N; s += 1024) { const rows = byRowid.all(base + s, base + s + 1024); for (let i = 0; i < rows.length; i++) if (rows[i][0] !== runId || rows[i][1] !== s + i) throw new Error('x'); m += rows.length; }
  c = process.cpuUsage(c0); const b = (c.user + c.system) / 1000;
  console.log(n, m, 'by idx', a.toFixed(0), 'by rowid', b.toFixed(0));
}
