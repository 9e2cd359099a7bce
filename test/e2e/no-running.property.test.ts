import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExperiment } from '../../src/config/load.js';
import { collect, REPO, startCli, tempDir } from '../support/cli.js';

/**
 * Property: any experiment that `validate` accepts leaves no run `running` once `metaorch run` has
 * exited, whatever ended it: completion, every trial failing, timeouts, a user's module that throws,
 * hangs, calls process.exit() or throws from a timer, scorers that fail, a budget, Ctrl-C once or
 * twice, SIGTERM. (kill -9 is the one exception by design: it leaves a run that resume takes over.)
 */

const BEHAVIOURS = join(REPO, 'test/fixtures/reliability/behaviours.js');
const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 24);

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = tempDir('metaorch-property-');
});
afterAll(() => tmp.cleanup());

const variant = fc.oneof(
  fc.record({ adapter: fc.constant('mock'), accuracy: fc.double({ min: 0, max: 1, noNaN: true }), failureRate: fc.constantFrom(0, 0.3, 1), latencyMs: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ adapter: fc.constant('module'), file: fc.constant(BEHAVIOURS), export: fc.constantFrom('ok', 'throws', 'rejects', 'hangs', 'exits', 'uncaught', 'weird', 'slow') }),
  fc.record({
    adapter: fc.constant('exec'),
    command: fc.constantFrom(['node', '-e', 'console.log(1)'], ['node', '-e', 'process.exit(4)'], ['node', '-e', 'setTimeout(() => {}, 60000)'], ['no-such-program-here'], ['node', '-e', 'process.stdout.write("x".repeat(5000))']),
    maxOutputBytes: fc.constantFrom(1000, 100_000),
  }),
);

const scorer = fc.constantFrom<unknown>(
  'equals',
  { type: 'contains', value: 'answer' },
  { type: 'regex', pattern: '\\d' },
  { type: 'json-schema', schema: { type: 'object' } },
  { type: 'javascript', file: BEHAVIOURS, export: 'scoreThrows' },
  { type: 'javascript', file: BEHAVIOURS, export: 'scoreNaN' },
  { type: 'javascript', file: BEHAVIOURS, export: 'scoreOk' },
);

const experiment = fc.record({
  mode: fc.constantFrom('grid', 'adaptive'),
  repeats: fc.integer({ min: 1, max: 3 }),
  concurrency: fc.integer({ min: 1, max: 40 }),
  timeout: fc.constantFrom('20ms', '200ms', '2s'),
  retries: fc.integer({ min: 0, max: 2 }),
  tasks: fc.integer({ min: 1, max: 12 }).map((n) => Array.from({ length: n }, (_, i) => ({ q: i, expected: `answer ${i}` }))),
  variants: fc.array(variant, { minLength: 1, maxLength: 3 }).map((vs) => vs.map((v, i) => ({ id: `v${i}`, ...v }))),
  scorers: fc.array(scorer, { maxLength: 2 }),
  budget: fc.option(fc.record({ trials: fc.integer({ min: 1, max: 40 }) }), { nil: undefined }),
});

/** How the run is ended from outside, if at all. */
const ending = fc.oneof(
  fc.constant({ signals: [] as NodeJS.Signals[], afterMs: 0 }),
  fc.record({ signals: fc.constantFrom<NodeJS.Signals[]>(['SIGINT'], ['SIGINT', 'SIGINT'], ['SIGTERM'], ['SIGTERM', 'SIGINT']), afterMs: fc.integer({ min: 50, max: 1500 }) }),
);

describe('property: no run stays running after `metaorch run` exits', () => {
  it(`holds for ${RUNS} generated experiments and endings (seeded)`, async () => {
    let round = 0;
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(experiment, ending, async (doc, end) => {
        const dir = join(tmp.dir, `case-${round++}`);
        mkdirSync(dir);
        const spec: Record<string, unknown> = { ...doc };
        if (doc.mode === 'adaptive') spec['budget'] = doc.budget ?? { trials: 20 };
        else if (doc.budget === undefined) delete spec['budget'];
        if (doc.scorers.length === 0) delete spec['scorers'];
        writeFileSync(join(dir, 'exp.yaml'), stringify(spec));
        const accepted = await loadExperiment(join(dir, 'exp.yaml'), {}).then(() => true, () => false);
        if (!accepted) return;
        ran++;
        const db = join(dir, 'store.db');
        const child = startCli(['run', 'exp.yaml', '--db', db, '--no-progress', '--grace', '0.2'], { cwd: dir });
        const exited = collect(child, 90_000);
        for (const signal of end.signals) {
          await Promise.race([new Promise((r) => setTimeout(r, end.afterMs / end.signals.length)), exited]);
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        }
        const r = await exited;
        if (!existsSync(db)) return; // stopped before the store was created: nothing can be running
        // Read-write, as the next command opens it: a kill during start-up can leave a journal that
        // only a writer may roll back.
        const store = new Database(db);
        try {
          // A signal during start-up can land after the file is made and before the schema's one
          // transaction commits: then the store holds nothing at all, never half a schema.
          const tables = store.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
          if (tables.n === 0) {
            expect(store.pragma('user_version', { simple: true })).toBe(0);
            return;
          }
          const running = store.prepare("SELECT id, status, error FROM runs WHERE status = 'running'").all();
          expect(running, `${stringify(spec)}\nsignals ${end.signals.join(',')} after ${end.afterMs} ms; exit ${r.code} ${r.signal}\n${r.stderr}`).toEqual([]);
        } finally {
          store.close();
        }
      }),
      { numRuns: RUNS, seed: 1313 },
    );
    expect(ran).toBeGreaterThan(RUNS / 2);
  }, 600_000);
});
