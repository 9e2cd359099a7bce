import { jsonLines } from '../src/tasks/jsonl.ts';
import { readFileSync } from 'node:fs';
const f = '/tmp/g1m/tasks.jsonl';
for (let r = 0; r < 3; r++) {
  let t = performance.now(); let n = 0;
  for (const l of jsonLines(f)) if (l.value) n++;
  const a = performance.now() - t;
  t = performance.now();
  const text = readFileSync(f, 'utf8'); let m = 0;
  for (const line of text.split('\n')) if (line) { JSON.parse(line); m++; }
  const b = performance.now() - t;
  t = performance.now();
  const buf = readFileSync(f); let k = 0; let start = 0;
  for (let nl = buf.indexOf(10, 0); nl !== -1; nl = buf.indexOf(10, start)) { JSON.parse(buf.toString('utf8', start, nl)); start = nl + 1; k++; }
  const c = performance.now() - t;
  t = performance.now();
  JSON.parse('[' + text.trimEnd().split('\n').join(',') + ']');
  const d = performance.now() - t;
  console.log(n, 'jsonLines', a.toFixed(0), 'split+parse', b.toFixed(0), 'buf slices', c.toFixed(0), 'one parse', d.toFixed(0));
}
