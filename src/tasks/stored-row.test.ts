import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FileTasks } from './file-tasks.js';
import { TaskNormaliser } from './normalise.js';
import { canonicalRow, storedRow, storedTask, type StoredTaskRow } from './stored-row.js';

/** What the store kept for a line before: parse it, shape it, stringify its fields. */
function parsedRow(line: string): StoredTaskRow | null {
  const r = TaskNormaliser.one(JSON.parse(line), 0);
  return 'task' in r ? storedRow(r.task) : null;
}

const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', '1', '01', '7x', 'a"b', 'x\\y', 'é', '\u2028', '\ud800'));
const json: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.constantFrom('a\ud800b', '\udfff', '😀'),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(true, false, null, -0, 2 ** 53 + 2, 1e21, 0.1, 123456789012345, 1234567890123456),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3 }),
  ),
})).value;
const record = fc.record(
  {
    id: fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.integer()),
    input: fc.dictionary(key, json, { maxKeys: 4 }),
    expected: json,
    metadata: fc.dictionary(key, json, { maxKeys: 2 }),
    scorers: fc.constant([{ type: 'equals' }]),
  },
  { requiredKeys: ['id', 'input'] },
);

const plainKey = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !/^[0-9]/.test(k));
/** Records of text, integers and keys that are not integers: what programs usually write. */
const plain: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 12 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(plainKey, tie('value'), { maxKeys: 3 }),
  ),
})).value;
const typical = fc.record(
  { id: fc.oneof(fc.string({ maxLength: 8 }).filter((id) => !/["\\]/.test(id)), fc.integer()), input: fc.dictionary(plainKey, plain, { maxKeys: 4 }), expected: plain },
  { requiredKeys: ['id', 'input'] },
);

/** Records as programs write them, with now and then a key, a number or a string JSON.stringify writes otherwise. */
const oddKey = fc.oneof({ weight: 4, arbitrary: plainKey }, { weight: 1, arbitrary: fc.constantFrom('1', '01', '7x', '__proto__') });
const odd: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 12 }) }, { weight: 1, arbitrary: fc.constantFrom('a\ud800b', '\udfff', '😀', 'a/b') }),
    fc.oneof({ weight: 3, arbitrary: fc.integer() }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 7, 1e15, 2 ** 53) }),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(oddKey, tie('value'), { maxKeys: 3 }),
  ),
})).value;
const mixed = fc.record({ id: fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), input: fc.dictionary(oddKey, odd, { maxKeys: 4 }), expected: odd }, { requiredKeys: ['id', 'input'] });

/**
 * JSON as a person might write it: spaces, \u escapes, \/, numbers in other forms, keys repeated, each
 * at a place with probability `p` (small: most lines then differ from JSON.stringify's in one place).
 */
function loose(value: unknown, rng: () => number, p: number): string {
  const pad = () => (rng() < p ? ' ' : '');
  if (typeof value === 'string') {
    let out = '"';
    for (const ch of value) {
      const r = rng();
      const lone = ch.length === 1 && ch.charCodeAt(0) >= 0xd800 && ch.charCodeAt(0) <= 0xdfff;
      if (r < p) out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
      else if (r < 2 * p && ch === '/') out += '\\/';
      else if (r < 3 * p && lone) out += ch; // JSON.parse takes it raw; JSON.stringify escapes it
      else out += JSON.stringify(ch).slice(1, -1);
    }
    return `${out}"`;
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    const r = rng();
    if (r < p) return value.toExponential();
    if (r < 2 * p && Number.isInteger(value)) return `${value}.0`;
    if (r < 3 * p && Object.is(value, 0)) return '-0';
    // More digits than a double keeps: parsed, it is written back otherwise.
    if (r < 4 * p && Number.isInteger(value) && value !== 0 && Math.abs(value) < 1e15) return `${value}${'7'.repeat(1 + Math.floor(rng() * 6))}`;
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${pad()}${value.map((v) => loose(v, rng, p)).join(`${pad()},${pad()}`)}${pad()}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([k, v]) => `${loose(k, rng, p)}${pad()}:${pad()}${loose(v, rng, p)}`);
    // Another order than JavaScript's, which puts integer keys first.
    if (rng() < 3 * p) members.reverse();
    if (members.length && rng() < 3 * p) members.unshift(members[members.length - 1]!.replace(/:.*/s, ':0'));
    return `{${pad()}${members.join(`${pad()},${pad()}`)}${pad()}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

describe('canonicalRow', () => {
  it('cuts a line written by JSON.stringify into the texts storedRow makes', () => {
    expect(canonicalRow('{"id":"t1","input":{"n":1},"expected":"7"}')).toEqual(['t1', '{"n":1}', '"7"', null]);
    expect(canonicalRow('{"id":12,"input":{"q":"a \\"b\\"\\n","list":[1,-2,true,null,{"x":{}}]},"metadata":{"k":[]}}'))
      .toEqual(['12', '{"q":"a \\"b\\"\\n","list":[1,-2,true,null,{"x":{}}]}', null, '{"k":[]}']);
    expect(canonicalRow('{"input":{"😀":"😀"},"id":"x","expected":null}')).toEqual(['x', '{"😀":"😀"}', 'null', null]);
  });

  it('declines what JSON.stringify would write otherwise, or what a row is not made of', () => {
    for (const line of [
      '{"id": "t1","input":{}}', // a space
      '{"id":"t1","input":{"n":1.5}}', // a fraction
      '{"id":"t1","input":{"n":1e3}}', // an exponent
      '{"id":"t1","input":{"n":-0}}',
      '{"id":"t1","input":{"n":01}}',
      '{"id":"t1","input":{"n":1234567890123456}}', // 16 digits
      '{"id":"t1","input":{"b":1,"1":2}}', // an integer key (JavaScript puts it first)
      '{"id":"t1","input":{"a":1,"a":2}}', // a key twice (parsing keeps the last)
      '{"id":"t1","input":{"a":"\\u0041"}}',
      '{"id":"t1","input":{"a":"\\/"}}',
      '{"id":"t1","input":{"a":"\ud800"}}', // a lone surrogate, which JSON.stringify escapes
      '{"id":"t\\"1","input":{}}', // an id with an escape
      '{"id":"t1","input":{},"scorers":[]}',
      '{"id":"t1","input":{},"other":1}',
      '{"id":"t1","id":"t2","input":{}}',
      '{"id":"t1"}',
      '{"question":"flat fields"}',
      '{"id":"t1","input":{}}\r',
    ]) {
      expect(canonicalRow(line), line).toBeNull();
    }
  });

  it('gives exactly the parsed row for every record JSON.stringify writes that it takes', () => {
    fc.assert(
      fc.property(record, (r) => {
        const line = JSON.stringify(r);
        const row = canonicalRow(line);
        if (row) expect(row).toEqual(parsedRow(line));
      }),
      { numRuns: 3_000, seed: 20261202 },
    );
  });

  it('takes every record of text, integers and plain keys that JSON.stringify writes', () => {
    fc.assert(
      fc.property(typical, (r) => {
        const line = JSON.stringify(r);
        expect(canonicalRow(line)).toEqual(parsedRow(line));
      }),
      { numRuns: 3_000, seed: 20261202 },
    );
  });

  it('never gives a row that differs from the parsed one, however the line is written', () => {
    fc.assert(
      fc.property(fc.oneof(record, typical, mixed), fc.integer(), fc.constantFrom(0.01, 0.03, 0.1), (r, seed, p) => {
        let state = seed >>> 0 || 1;
        const rng = () => ((state = Math.imul(state ^ (state >>> 15), 2654435761) >>> 0) / 2 ** 32);
        const line = loose(r, rng, p);
        const row = canonicalRow(line);
        if (row) expect(row).toEqual(parsedRow(line));
      }),
      { numRuns: 10_000, seed: 20261202 },
    );
  });
});

describe('storedTask', () => {
  it('gives back the task a row was stored from, as JSON carries it', () => {
    fc.assert(
      fc.property(record, (r) => {
        const shaped = TaskNormaliser.one(r, 0);
        if (!('task' in shaped)) return;
        expect(storedTask(storedRow(shaped.task))).toEqual(JSON.parse(JSON.stringify(shaped.task)));
      }),
    );
    for (const expected of ['', 'plain', 'say "hi"', 'back\\slash', 'a\nb', '\u2028', 7, null, ['x'], { k: '"' }]) {
      expect(storedTask(storedRow({ id: 't', input: {}, expected })).expected).toEqual(expected);
    }
  });
});

describe('FileTasks.storedRows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metaorch-stored-rows-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores what storing each task stores, lines written by JSON.stringify or not', () => {
    const file = join(dir, 'tasks.jsonl');
    const lines = [
      '{"id":"a","input":{"n":1},"expected":"7"}',
      '{ "id": "b", "input": { "n": 2 } }',
      '',
      '{"id":3,"input":{"n":1.5},"metadata":{"m":true},"scorers":[{"type":"equals"}]}',
      '{"id":"d","question":"flat fields","expected":"x"}',
      '{"id":"e","input":{"n":4}}',
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const all = new FileTasks(file, 5, { derivedIds: false });
    expect([...all.storedRows()]).toEqual([...all].map(storedRow));
    expect([...all.storedRows()].map(([id]) => id)).toEqual(['a', 'b', '3', 'd', 'e']);
    // A limit: the first tasks only.
    expect([...new FileTasks(file, 2, { derivedIds: false }).storedRows()].map(([id]) => id)).toEqual(['a', 'b']);
  });

  it('derives ids from content as iterating does', () => {
    const file = join(dir, 'derived.jsonl');
    writeFileSync(file, '{"input":{"n":1}}\n{"input":{"n":1}}\n{"id":"c","input":{"n":2}}\n');
    const tasks = new FileTasks(file, 3, { derivedIds: true });
    const rows = [...tasks.storedRows()];
    expect(rows).toEqual([...tasks].map(storedRow));
    expect(rows[1]![0]).toBe(`${rows[0]![0]}-2`);
  });
});
