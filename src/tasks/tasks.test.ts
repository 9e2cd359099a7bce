import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/cli.js';
import { FileTasks } from './file-tasks.js';
import { IdDigests } from './id-digests.js';
import { IdSet } from './id-set.js';
import { jsonLines } from './jsonl.js';
import { lookup } from './template.js';
import { normaliseTasks } from './normalise.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});
function file(name: string, text: string): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

describe('IdSet', () => {
  it('is exact: every id once, with the number it was first added with, for many ids and any text', () => {
    const ids = new IdSet();
    const n = 200_000;
    let added = 0;
    for (let i = 0; i < n; i++) if (ids.add(`t${i}`, i) === -1) added++;
    expect(added).toBe(n);
    expect(ids.size).toBe(n);
    for (const i of [0, 1, 99_999, n - 1]) expect(ids.add(`t${i}`, 7)).toBe(i);
    expect(ids.get(`t${n}`)).toBe(-1);
    for (const text of ['é', 'e\u0301', '猫', '🐈', '', 't1 ']) expect(ids.add(text, 1)).toBe(-1);
    expect(ids.get('🐈')).toBe(1);
    expect(ids.get('e')).toBe(-1);
  });

  it('answers the same while its ids are few (a Map) as after it moves them to the compact form', () => {
    const few = new IdSet();
    for (const [i, text] of ['t1', 'é', 'e\u0301', '猫', '🐈', '', 't1 '].entries()) expect(few.add(text, i)).toBe(-1);
    expect(few.add('🐈', 9)).toBe(4);
    expect(few.get('e')).toBe(-1);
    expect(few.size).toBe(7);
    for (let i = 0; i < 60_000; i++) few.add(`n${i}`, 100 + i);
    expect(few.size).toBe(60_007);
    expect([few.get('t1'), few.get('🐈'), few.get('n0'), few.get('n59999'), few.get('n60000')]).toEqual([0, 4, 100, 60_099, -1]);
  });
});

describe('IdDigests', () => {
  it('names every repeated id among its candidates, and few others', () => {
    const d = new IdDigests();
    for (let i = 0; i < 300_000; i++) d.add(`t${i}`);
    for (const id of ['t7', 't299999', 't7']) d.add(id);
    const candidates = d.candidates();
    expect(candidates.has(IdDigests.of('t7'))).toBe(true);
    expect(candidates.has(IdDigests.of('t299999'))).toBe(true);
    expect(candidates.size).toBeLessThan(4);
  });
});

describe('jsonLines', () => {
  it('parses line by line across chunk boundaries (multi-byte characters too), skipping blank lines', () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ id: i, text: `chat 🐈 ${'é'.repeat(i % 50)}` }));
    const f = file('t.jsonl', `${lines.slice(0, 10).join('\n')}\n\n${lines.slice(10).join('\r\n')}\n{oops`);
    const read = [...jsonLines(f)];
    expect(read.filter((l) => l.value !== undefined).map((l) => l.value)).toEqual(lines.map((l) => JSON.parse(l)));
    expect(read[10]?.line).toBe(12); // the blank line 11 is skipped but counted
    expect(read.at(-1)).toMatchObject({ line: 30_002, error: expect.stringMatching(/^invalid JSON/) });
  });
});

describe('FileTasks', () => {
  it('gives the tasks the in-memory path gives, derived ids and identical content included, in order and by index', () => {
    const records = [{ id: 'a', input: { q: 1 } }, { q: 2, expected: 'x' }, { q: 2, expected: 'x' }, { q: 3 }, { id: 7, q: 4, metadata: { m: 1 } }];
    const f = file('t.jsonl', records.map((r) => JSON.stringify(r)).join('\n'));
    const { tasks } = normaliseTasks(records);
    const streamed = new FileTasks(f, tasks.length, { derivedIds: true });
    expect([...streamed]).toEqual(tasks);
    expect(tasks[2]?.id).toBe(`${tasks[1]!.id}-2`);
    expect([streamed.at(3), streamed.at(1), streamed.at(4), streamed.at(5)]).toEqual([tasks[3], tasks[1], tasks[4], undefined]);
    // A grid asks for each task once per variant: the same index again is answered without reading.
    expect([0, 0, 0, 1, 1, 1, 2].map((i) => streamed.at(i)?.id)).toEqual([0, 0, 0, 1, 1, 1, 2].map((i) => tasks[i]?.id));
    expect([...new FileTasks(f, 2, { limit: 2, derivedIds: true })]).toEqual(tasks.slice(0, 2));
  });

  it('refuses a file that changed after it was validated', () => {
    const f = file('t.jsonl', '{"id":"a","q":1}\n');
    const tasks = new FileTasks(f, 1, { derivedIds: false });
    writeFileSync(f, '{"id":"a","q":2}\n{"id":"b","q":3}\n');
    expect(() => [...tasks]).toThrow(/changed after it was validated/);
  });
});

describe('lookup', () => {
  it('reads plain and dotted paths alike', () => {
    const vars = { n: 7, zero: 0, none: null, nested: { deep: { x: 'y' } }, list: [4, 5] };
    expect([lookup(vars, 'n'), lookup(vars, 'zero'), lookup(vars, 'none'), lookup(vars, 'missing')]).toEqual([7, 0, null, undefined]);
    expect([lookup(vars, 'nested.deep.x'), lookup(vars, 'nested.deep'), lookup(vars, 'list.1')]).toEqual(['y', { x: 'y' }, 5]);
    expect([lookup(vars, 'none.x'), lookup(vars, 'n.x'), lookup(vars, 'missing.x')]).toEqual([undefined, undefined, undefined]);
  });
});
