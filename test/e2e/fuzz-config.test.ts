import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExperiment } from '../../src/config/load.js';
import { ConfigError } from '../../src/model/errors.js';
import { runCli, tempDir } from '../support/cli.js';
import { serve } from './dashboard-support.js';

/**
 * Bad input is refused cleanly: exit 2, a message naming the file (and line where there is one), in
 * bounded time and output, nothing written. The corpus holds every case the reliability audit found
 * accepted or crashing; a seeded fuzzer then mutates a valid experiment and checks that the loader
 * only ever accepts or throws a ConfigError (never a crash, never a hang).
 */

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = tempDir('metaorch-fuzz-');
});
afterAll(() => tmp.cleanup());

const TASKS = 'tasks: [{ q: 1, expected: "1" }]\n';
const MOCK = 'variants: [{ id: a, adapter: mock }]\n';
const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;

interface Case {
  name: string;
  files: Record<string, string>;
  /** What the message must say (it always starts with the experiment or the named file). */
  message: RegExp;
  setup?: (dir: string) => void;
  env?: Record<string, string>;
}

const CASES: Case[] = [
  { name: 'repeats beyond what a run can hold', files: { 'exp.yaml': `repeats: 9007199254740991\n${TASKS}${MOCK}` }, message: /exp\.yaml:1:10 repeats: expected at most 1,000,000, got 9,007,199,254,740,991/ },
  { name: 'a grid of more than 100,000,000 trials', files: { 'exp.yaml': `repeats: 1000000\ntasks: [${Array.from({ length: 101 }, (_, i) => `{ q: ${i} }`).join(', ')}]\n${MOCK}` }, message: /repeats: the grid would have 101,000,000 trials/ },
  { name: 'a timeout longer than a timer can wait', files: { 'exp.yaml': `timeout: 3000000\n${TASKS}${MOCK}` }, message: /exp\.yaml:1:10 timeout: expected at most 24 days/ },
  { name: 'a variant timeout longer than a timer can wait', files: { 'exp.yaml': `${TASKS}variants: [{ id: a, adapter: mock, timeout: 30d }]\n` }, message: /variants\[0\]\.timeout: expected at most 24 days/ },
  { name: 'a mock latency longer than a timer can wait', files: { 'exp.yaml': `${TASKS}variants: [{ id: a, adapter: mock, latencyMs: 1e12 }]\n` }, message: /variants\[0\]\.latencyMs/ },
  { name: 'a rate limit whose wait overflows a timer', files: { 'exp.yaml': `${TASKS}variants: [{ id: a, adapter: mock, rateLimit: 1e-9 }]\n` }, message: /variants\[0\]\.rateLimit/ },
  { name: 'an adaptive budget beyond what a run can hold', files: { 'exp.yaml': `mode: adaptive\nbudget: { trials: 9007199254740991 }\n${TASKS}${MOCK}` }, message: /budget\.trials/ },
  { name: 'a policy window that cannot be allocated', files: { 'exp.yaml': `mode: adaptive\nbudget: { trials: 10 }\npolicy: { name: thompson, window: 9007199254740991 }\n${TASKS}${MOCK}` }, message: /policy.*window/ },
  { name: 'a topic semantic threshold above 1', files: { 'exp.yaml': `mode: continuous\ntopic: { name: x, semantic: { embeddings: { model: m, threshold: 2 } } }\n${MOCK}` }, message: /exp\.yaml:2:\d+ topic\.semantic\.embeddings\.threshold: expected at most 1, got 2/ },
  { name: 'a topic semantic layer with a misspelt kind', files: { 'exp.yaml': `mode: continuous\ntopic: { name: x, semantic: { embedings: {} } }\n${MOCK}` }, message: /topic\.semantic\.embedings: unknown field 'embedings'/ },
  { name: 'an infinite number', files: { 'exp.yaml': `threshold: .inf\n${TASKS}${MOCK}` }, message: /threshold/ },
  { name: 'a module variant that is not JavaScript', files: { 'exp.yaml': `${TASKS}variants: [{ id: a, adapter: module, file: ./agent.js }]\n`, 'agent.js': 'export default (input) => {{ nope\n' }, message: /variants\[0\]\.file: cannot load .*agent\.js: \S/ },
  { name: 'a module variant without the function', files: { 'exp.yaml': `${TASKS}variants: [{ id: a, adapter: module, file: ./agent.ts, export: run }]\n`, 'agent.ts': 'export const other = 1;\n' }, message: /agent\.ts has no function export 'run'/ },
  { name: 'a javascript scorer that is not JavaScript', files: { 'exp.yaml': `${TASKS}scorers: [{ type: javascript, file: ./score.ts }]\n${MOCK}`, 'score.ts': 'export default (: string) =>\n' }, message: /scorers\[0\]\.file: cannot load .*score\.ts/ },
  { name: 'a javascript scorer file that is a directory', files: { 'exp.yaml': `${TASKS}scorers: [{ type: javascript, file: ./lib }]\n${MOCK}` }, setup: (d) => mkdirSync(join(d, 'lib')), message: /scorers\[0\]\.file: .*lib: expected a regular file, found a directory/ },
  { name: 'a YAML alias bomb', files: { 'exp.yaml': `a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n` }, message: /exp\.yaml:2:\d+ YAML syntax: aliases expand to too many nodes/ },
  { name: 'an undefined YAML alias', files: { 'exp.yaml': `name: *nope\n${TASKS}${MOCK}` }, message: /exp\.yaml:1:7 YAML syntax: alias \*nope names no anchor/ },
  { name: 'tasks naming a directory', files: { 'exp.yaml': `tasks: ./data\n${MOCK}` }, setup: (d) => mkdirSync(join(d, 'data')), message: /data cannot read the tasks file: expected a regular file, found a directory/ },
  { name: "tasks: ''", files: { 'exp.yaml': `tasks: ''\n${MOCK}` }, message: /expected a regular file, found a directory/ },
  { name: 'tasks: .', files: { 'exp.yaml': `tasks: .\n${MOCK}` }, message: /expected a regular file, found a directory/ },
  { name: 'a JSONL line nested 100,000 deep', files: { 'exp.yaml': `tasks: ./t.jsonl\n${MOCK}`, 't.jsonl': `{"q": 1}\n{"q": ${deep(100_000)}}\n` }, message: /t\.jsonl:2:1 task 2: nested more than 100 levels deep/ },
  { name: 'a JSON tasks file nested 100,000 deep', files: { 'exp.yaml': `tasks: ./t.json\n${MOCK}`, 't.json': `[{"q": ${deep(100_000)}}]` }, message: /t\.json task 1: nested more than 100 levels deep/ },
  { name: 'an experiment nested 100,000 deep', files: { 'exp.yaml': `${MOCK}tasks: [{ q: ${deep(100_000)} }]\n` }, message: /exp\.yaml(:\d+:\d+)? YAML syntax: the document is nested too deeply to read/ },
  { name: 'an experiment nested 150 deep', files: { 'exp.yaml': `${MOCK}tasks: [{ q: ${deep(150)} }]\n` }, message: /exp\.yaml:2:\d+ tasks\[0\]\.q.*: nested more than 100 levels deep/ },
  { name: 'a json-schema scorer file that is not JSON', files: { 'exp.yaml': `${TASKS}scorers: [{ type: json-schema, file: ./s.json }]\n${MOCK}`, 's.json': '{\n  "type": "object",\n  oops\n}\n' }, message: /scorers\[0\]\.file: .*s\.json: invalid JSON: expected double-quoted property name at line 3, column 3/ },
  { name: 'a json-schema scorer file that is not a schema', files: { 'exp.yaml': `${TASKS}scorers: [{ type: json-schema, file: ./s.json }]\n${MOCK}`, 's.json': '{ "type": 12 }' }, message: /s\.json is not a valid JSON Schema/ },
  { name: 'a task file that is a symlink to /dev/zero', files: { 'exp.yaml': `tasks: ./zero.jsonl\n${MOCK}` }, setup: (d) => symlinkSync('/dev/zero', join(d, 'zero.jsonl')), message: /zero\.jsonl cannot read the tasks file: expected a regular file, found a device/ },
  { name: 'a task file that is a FIFO', files: { 'exp.yaml': `tasks: ./fifo.jsonl\n${MOCK}` }, setup: (d) => execFileSync('mkfifo', [join(d, 'fifo.jsonl')]), message: /fifo\.jsonl cannot read the tasks file: expected a regular file, found a FIFO/ },
  { name: 'a task file over the size limit', files: { 'exp.yaml': `tasks: ./big.jsonl\n${MOCK}`, 'big.jsonl': `${'{"q": 1}\n'.repeat(120_000)}` }, env: { METAORCH_MAX_FILE_MB: '1' }, message: /big\.jsonl cannot read the tasks file: is larger than the 1 MB limit for files an experiment reads \(it is 1\.\d+ MB\); raise it with METAORCH_MAX_FILE_MB=2 \(at most 512\)/ },
  { name: 'an experiment file that is a directory', files: {}, setup: (d) => mkdirSync(join(d, 'exp.yaml')), message: /exp\.yaml expected a regular file, found a directory/ },
  { name: 'a CSV whose error message would quote a field', files: { 'exp.yaml': `tasks: ./t.csv\n${MOCK}`, 't.csv': 'q,expected\n"sk-secret-value"x,1\n' }, message: /t\.csv:2:1 line 2: bad CSV: invalid closing quote$/m },
];

describe('the bad-input corpus: exit 2, file and line, nothing written', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const dir = join(tmp.dir, c.name.replace(/\W+/g, '-'));
      mkdirSync(dir, { recursive: true });
      for (const [f, text] of Object.entries(c.files)) writeFileSync(join(dir, f), text);
      c.setup?.(dir);
      // The loader refuses it with a ConfigError (what `validate` prints, exit 2)...
      const error = await loadExperiment(join(dir, 'exp.yaml'), { ...process.env, ...c.env }).then(() => null, (e: unknown) => e);
      expect(error, String(error)).toBeInstanceOf(ConfigError);
      expect(`error: ${(error as ConfigError).message}`).toMatch(c.message);
      // ...and `run` exits 2 with the same message, before it touches the store.
      const db = join(dir, 'store.db');
      const r = await runCli(['run', 'exp.yaml', '--db', db], { cwd: dir, env: c.env ?? {}, timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^error: \d[\d,]* problems? in the experiment:\n/);
      expect(r.stderr).toMatch(c.message);
      expect(r.stderr.length).toBeLessThan(20_000);
      expect(r.stdout).toBe('');
      // Nothing written: the run was refused before the store was opened.
      expect(() => execFileSync('test', ['-e', db])).toThrow();
    }, 90_000);
  }

  it('100,000 duplicate variant ids: a capped listing that counts the rest', async () => {
    const dir = join(tmp.dir, 'dups');
    mkdirSync(dir);
    writeFileSync(join(dir, 'exp.yaml'), `${TASKS}variants:\n${'  - { id: a, adapter: mock }\n'.repeat(100_000)}`);
    const r = await runCli(['validate', 'exp.yaml'], { cwd: dir, timeoutMs: 120_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: 99,999 problems in the experiment:\n/);
    expect(r.stderr).toMatch(/\n {2}\.\.\. and 99,949 more\n$/);
    expect(r.stderr.length).toBeLessThan(10_000);
  }, 150_000);
});

describe('metaorch serve and malformed URLs', () => {
  it('answers 400, not 500, to a malformed percent-encoding', async () => {
    const served = await serve(join(tmp.dir, 'serve.db'), tmp.dir);
    try {
      for (const path of ['/%E0%A4%A', '/runs/%E0%A4%A', '/assets/%ZZ']) {
        const res = await fetch(`${served.url}${path}`);
        expect(res.status, path).toBe(400);
      }
      const api = await fetch(`${served.url}/api/runs/%E0%A4%A`);
      expect(api.status).toBeLessThan(500);
    } finally {
      await served.close();
    }
  }, 60_000);
});

/** A mutation of one field of a valid experiment: any JSON-ish value, including extremes. */
const extreme = fc.oneof(
  fc.constantFrom(0, -1, 1, 0.5, 2 ** 31, 2 ** 53 - 1, 2 ** 53, 1e308, -1e308, Number.MIN_VALUE, 1e-9, 9007199254740991),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.constantFrom('', '.', '..', '/', '/dev/zero', '/proc/self/environ', '30d', '1e9s', '-1s', 'NaN', '${NOPE}', '*x'),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);
const FIELDS = ['repeats', 'concurrency', 'timeout', 'retries', 'seed', 'threshold', 'tasks', 'variants', 'scorers', 'budget', 'mode', 'policy', 'objective', 'stop', 'snapshotEvery', 'prompt'] as const;
const VARIANT_FIELDS = ['timeout', 'retries', 'maxConcurrency', 'rateLimit', 'cost', 'latencyMs', 'accuracy', 'failureRate', 'tokens', 'file', 'command', 'maxOutputBytes'] as const;

describe('fuzzing the loader', () => {
  it('accepts or refuses with a ConfigError every mutated experiment, in bounded time (seeded)', async () => {
    const dir = join(tmp.dir, 'fuzz');
    mkdirSync(dir);
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...FIELDS), extreme), { maxLength: 3 }),
        fc.array(fc.tuple(fc.constantFrom(...VARIANT_FIELDS), extreme), { maxLength: 3 }),
        fc.constantFrom('mock', 'exec', 'module', 'openai'),
        async (top, inVariant, adapter) => {
          const variant: Record<string, unknown> = { id: 'a', adapter, ...(adapter === 'exec' ? { command: ['true'] } : {}), ...(adapter === 'openai' ? { model: 'm', baseURL: 'http://127.0.0.1:9/v1' } : {}) };
          for (const [k, v] of inVariant) variant[k] = v;
          const doc: Record<string, unknown> = { tasks: [{ q: 1, expected: '1' }], variants: [variant] };
          for (const [k, v] of top) doc[k] = v;
          const file = join(dir, 'exp.yaml');
          writeFileSync(file, stringify(doc));
          try {
            await loadExperiment(file, {});
            accepted++;
          } catch (e) {
            if (!(e instanceof ConfigError)) throw new Error(`not a ConfigError for ${stringify(doc)}: ${String(e)}`);
            expect(e.message.length).toBeLessThan(20_000);
            refused++;
          }
        },
      ),
      { numRuns: 400, seed: 13_013 },
    );
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  }, 120_000);
});
