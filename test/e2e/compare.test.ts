/**
 * `metaorch compare` through the real CLI, on runs whose truth is known: synthetic exported runs
 * (seeded, 500 tasks per side) and real `metaorch run` of benchmark.yaml, driven by the `run:` scripts
 * of .github/workflows/benchmark.yml so the commands CI calls are the commands tested here.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticRun, toRunExport } from '../../src/compare/synthetic.js';
import type { SyntheticVariant } from '../../src/compare/synthetic.js';
import type { RunComparison } from '../../src/compare/types.js';
import { CLI, REPO, cliEnv, collect, runCli, tempDir } from '../support/cli.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('metaorch-compare-')));
afterAll(() => cleanup());

const file = (name: string) => join(dir, name);
function writeRun(name: string, seed: number, variants: SyntheticVariant[], tasks = 500): string {
  writeFileSync(file(name), JSON.stringify(toRunExport(syntheticRun({ id: name.replace('.json', ''), seed, tasks, variants }))));
  return file(name);
}
const compare = (args: string[]) => runCli(['compare', ...args], { cwd: dir });
const json = (stdout: string) => JSON.parse(stdout) as RunComparison;

// Each case is its own CLI process; they run concurrently to keep the suite fast.
describe.concurrent('compare on exported runs with a known truth (n = 500 per side)', () => {
  let base = '';
  let worse = '';
  let same = '';
  beforeAll(() => {
    // Variant a loses 10 points of pass rate (0.80 -> 0.70); b is unchanged. Each file has its own seed.
    base = writeRun('base.json', 1, [{ id: 'a', quality: 0.8, latencyMs: 200 }, { id: 'b', quality: 0.6 }]);
    worse = writeRun('worse.json', 2, [{ id: 'a', quality: 0.7, latencyMs: 200 }, { id: 'b', quality: 0.6 }]);
    same = writeRun('same.json', 3, [{ id: 'a', quality: 0.8, latencyMs: 200 }, { id: 'b', quality: 0.6 }]);
  });

  it('catches the 10-point regression: exit 1, verdict regressed, the unchanged variant not flagged', async () => {
    const r = await compare([base, worse, '--metric', 'passRate']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^a +pass rate +[78]\d\.\d% +[67]\d\.\d% +-\d+\.\dpp \[.*\] +[<\d.]+ +paired +REGRESSED$/m);
    expect(r.stdout).toMatch(/^b +pass rate .* (inconclusive|no significant change)$/m);
    expect(r.stdout).toMatch(/^FAIL: 1 regression beyond budget/m);
  });

  it('does not flag identical variants: exit 0', async () => {
    const r = await compare([base, same, '--metric', 'score,passRate']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/REGRESSED|regressed/);
    expect(r.stdout).toMatch(/^OK: no regression/m);
  });

  it('writes the documented JSON', async () => {
    const r = await compare([base, worse, '--metric', 'passRate,latency', '--format', 'json', '--max-regression', 'latency=10%']);
    expect(r.code).toBe(1);
    const doc = json(r.stdout);
    expect(doc).toMatchObject({
      schemaVersion: 1, kind: 'meta-orchestrator/compare', regressions: 1, alpha: 0.05, correction: 'holm',
      metrics: ['passRate', 'latency'],
      maxRegression: { passRate: { value: 0, relative: false }, latency: { value: 0.1, relative: true } },
      base: { id: 'base', trials: 1000 }, cand: { id: 'worse', trials: 1000 },
    });
    expect(doc.comparisons.map((c) => `${c.variant}/${c.metric}`)).toEqual(['a/passRate', 'a/latency', 'b/passRate', 'b/latency']);
    const a = doc.comparisons[0];
    for (const key of ['variant', 'metric', 'base', 'cand', 'diff', 'ci95', 'pValue', 'verdict', 'test', 'paired', 'nBase', 'nCand', 'pValueRaw', 'exceedsBudget', 'maxRegression']) {
      expect(a).toHaveProperty(key);
    }
    expect(a).toMatchObject({ variant: 'a', metric: 'passRate', verdict: 'regressed', exceedsBudget: true, test: 'mcnemar-exact', paired: true, nBase: 500, nCand: 500 });
    expect(a?.base).toBeCloseTo(0.8, 1);
    expect(a?.diff).toBeCloseTo(-0.1, 1);
    const [low, high] = a?.ci95 ?? [0, 0];
    expect(low).toBeLessThan(-0.05);
    expect(high).toBeLessThan(0);
    expect(a?.pValue).toBeLessThan(0.05);
    expect(a?.pValue).toBeGreaterThanOrEqual(a?.pValueRaw ?? 1);
    const latency = doc.comparisons[1];
    expect(latency?.maxRegression).toBeCloseTo(0.1 * (latency?.base ?? 0), 6);
  });

  it('tolerates the regression when --max-regression is larger than the drop, absolute or relative', async () => {
    const budgets = ['passRate=0.2', '30%'];
    const runs = await Promise.all(budgets.map((b) => compare([base, worse, '--metric', 'passRate', '--max-regression', b, '--format', 'json'])));
    runs.forEach((r, i) => {
      expect(r.code, budgets[i]).toBe(0);
      expect(json(r.stdout).comparisons[0]).toMatchObject({ verdict: 'regressed', exceedsBudget: false });
    });
    const tight = await compare([base, worse, '--metric', 'passRate', '--max-regression', '0.02']);
    expect(tight.code).toBe(1);
  });

  it('writes a pull-request comment: headline, table, collapsed details (the passing headline is tested with the workflow below)', async () => {
    const failing = await compare([base, worse, '--metric', 'passRate', '--format', 'md']);
    expect(failing.code).toBe(1);
    expect(failing.stdout.split('\n')[0]).toBe('### ❌ 1 regression beyond budget');
    expect(failing.stdout).toContain('| variant | metric | base | candidate | difference [95% CI] | p | verdict |');
    expect(failing.stdout).toMatch(/<details>\n<summary>Statistical details<\/summary>[\s\S]*\| p raw \| p holm \|[\s\S]*<\/details>/);
  });

  it('maps variants with --pair, also within one run', async () => {
    const r = await compare([base, base, '--pair', 'a=b', '--metric', 'passRate', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(json(r.stdout).comparisons).toMatchObject([{ variant: 'a → b', baseVariant: 'a', candVariant: 'b', verdict: 'regressed' }]);
  });
});

describe.concurrent('compare: bad input exits 2 with a clear message', () => {
  beforeAll(() => {
    writeRun('other.json', 4, [{ id: 'x', quality: 0.5 }], 20);
    writeRun('one.json', 5, [{ id: 'a', quality: 0.5 }], 20);
    writeFileSync(file('not-export.json'), '{"hello": 1}');
  });
  const cases: [string, string[], RegExp][] = [
    ['a missing file', ['missing.json', 'one.json'], /No exported run file 'missing\.json'/],
    ['a JSON file that is not an export', ['not-export.json', 'one.json'], /not-export\.json is not an exported run/],
    ['an unknown run id', ['one.json', 'nope', '--db', 'empty.db'], /no store at empty\.db/],
    ['runs without a common variant', ['one.json', 'other.json'], /no variant in common \(base: a; candidate: x\)\. Map them with --pair/],
    ['an unknown --pair variant', ['one.json', 'other.json', '--pair', 'a=zz'], /candidate run has no variant 'zz' \(its variants: x\)/],
    ['an unknown metric', ['one.json', 'one.json', '--metric', 'speed'], /unknown metric 'speed'; known metrics: score, passRate, latency, cost, errorRate/],
    ['an alpha out of range', ['one.json', 'one.json', '--alpha', '2'], /--alpha must be a number between 0 and 1/],
    ['a malformed budget', ['one.json', 'one.json', '--max-regression', 'lots'], /--max-regression lots: expected a non-negative number/],
    ['an unknown correction', ['one.json', 'one.json', '--correction', 'fdr'], /argument 'fdr' is invalid\. Allowed choices are holm, bh, bonferroni, none/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const r = await compare(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    });
  }
});

interface Step {
  id?: string;
  run?: string;
  'working-directory'?: string;
}

/**
 * Runs the `run:` script of one step of the benchmark workflow the way GitHub does (bash -eo pipefail,
 * $RUNNER_TEMP, $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY), with `npx metaorch` pointed at the built CLI.
 */
async function runStep(id: string, root: string, temp: string, env: Record<string, string> = {}) {
  const workflow = parse(readFileSync(join(REPO, '.github/workflows/benchmark.yml'), 'utf8')) as { jobs: { benchmark: { steps: Step[] } } };
  const step = workflow.jobs.benchmark.steps.find((s) => s.id === id);
  if (!step?.run) throw new Error(`the workflow has no step '${id}' with a run script`);
  expect(step.run).not.toContain('${{');
  const shims = join(temp, 'shims');
  mkdirSync(shims, { recursive: true });
  const npx = join(shims, 'npx');
  writeFileSync(npx, `#!/bin/sh\nif [ "$1" = metaorch ]; then shift; exec "${process.execPath}" "${CLI}" "$@"; fi\necho "unexpected: npx $*" >&2; exit 127\n`);
  chmodSync(npx, 0o755);
  const script = join(temp, `${id}.sh`);
  writeFileSync(script, step.run);
  const output = join(temp, `${id}.output`);
  writeFileSync(output, '');
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    cwd: join(root, step['working-directory'] ?? '.'),
    env: cliEnv({
      ...env, PATH: `${shims}:${process.env['PATH'] ?? ''}`, RUNNER_TEMP: temp, GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: join(temp, 'summary.md'),
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const result = await collect(child);
  const outputs = Object.fromEntries(readFileSync(output, 'utf8').split('\n').filter(Boolean).map((l) => l.split('=', 2) as [string, string]));
  return { ...result, outputs };
}

/** A checkout with benchmark.yaml and the tasks it reads; `edit` changes the benchmark (a PR). */
function checkout(root: string, edit: (yaml: string) => string = (y) => y): void {
  mkdirSync(join(root, 'examples/quickstart'), { recursive: true });
  copyFileSync(join(REPO, 'examples/quickstart/capitals.jsonl'), join(root, 'examples/quickstart/capitals.jsonl'));
  writeFileSync(join(root, 'benchmark.yaml'), edit(readFileSync(join(REPO, 'benchmark.yaml'), 'utf8')));
}

// The base branch is benchmarked once; each scenario then has its own checkout and $RUNNER_TEMP, so they run concurrently.
describe.concurrent('the benchmark workflow, step by step, on benchmark.yaml', () => {
  let baseTemp = '';
  beforeAll(async () => {
    const root = join(dir, 'ci-base');
    checkout(join(root, 'base'));
    baseTemp = join(root, 'temp');
    mkdirSync(baseTemp, { recursive: true });
    const r = await runStep('base', root, baseTemp);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(existsSync(join(baseTemp, 'base.json'))).toBe(true);
  });

  /** A pull-request checkout (edited by `edit`) with the base run's export in its $RUNNER_TEMP. */
  function prScenario(name: string, edit?: (yaml: string) => string): { root: string; temp: string } {
    const root = join(dir, `ci-${name}`);
    const temp = join(root, 'temp');
    checkout(join(root, 'pr'), edit);
    mkdirSync(temp, { recursive: true });
    copyFileSync(join(baseTemp, 'base.json'), join(temp, 'base.json'));
    return { root, temp };
  }

  it('metaorch validate accepts benchmark.yaml', async () => {
    const r = await runCli(['validate', 'benchmark.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/benchmark\.yaml is valid: 3 variant\(s\).*300 trials planned/);
  });

  it('fails a pull request that makes a variant worse, and still writes the comment', async () => {
    const { root, temp } = prScenario('worse', (y) => {
      expect(y).toContain('accuracy: 0.85');
      return y.replace('accuracy: 0.85', 'accuracy: 0.70');
    });
    expect((await runStep('pr', root, temp)).code).toBe(0);
    const cmp = await runStep('compare', root, temp);
    expect(cmp.code).toBe(0);
    expect(cmp.outputs['status']).toBe('1');
    const comment = readFileSync(join(temp, 'comment.md'), 'utf8');
    expect(comment).toMatch(/^### ❌ \d regressions? beyond budget/);
    expect(comment).toMatch(/^- \*\*careful\*\* score: 0\.\d+ → 0\.\d+/m);
    expect(comment).toContain('<details>');
    expect(readFileSync(join(temp, 'summary.md'), 'utf8')).toBe(comment);
    const verdict = await runStep('verdict', root, temp, { STATUS: cmp.outputs['status'] ?? '' });
    expect(verdict.code).toBe(1);
    expect(verdict.stdout).toMatch(/::error::metaorch compare exited 1/);
  });

  it('passes an unchanged pull request: the same seed reproduces every trial', async () => {
    const { root, temp } = prScenario('same');
    expect((await runStep('pr', root, temp)).code).toBe(0);
    const cmp = await runStep('compare', root, temp);
    expect(cmp.outputs['status']).toBe('0');
    const comment = readFileSync(join(temp, 'comment.md'), 'utf8');
    expect(comment.split('\n')[0]).toBe('### ✅ no regression');
    expect(comment).not.toMatch(/❌|⚠️/);
    expect((await runStep('verdict', root, temp, { STATUS: '0' })).code).toBe(0);
  });

  it('says there is no baseline when the base branch has no benchmark.yaml', async () => {
    const root = join(dir, 'ci-bare');
    mkdirSync(join(root, 'base'), { recursive: true });
    mkdirSync(join(root, 'pr'), { recursive: true });
    const temp = join(root, 'temp');
    mkdirSync(temp, { recursive: true });
    const base = await runStep('base', root, temp);
    expect(base.code).toBe(0);
    expect(existsSync(join(temp, 'base.json'))).toBe(false);
    const cmp = await runStep('compare', root, temp);
    expect(cmp.outputs['status']).toBe('0');
    expect(readFileSync(join(temp, 'comment.md'), 'utf8')).toMatch(/^### ➖ No benchmark baseline/);
  });

  it('compares runs by id in a store too', async () => {
    const r = await runCli(['compare', 'latest', 'latest', '--db', join(baseTemp, 'base.db'), '--metric', 'score,cost']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK: no regression/m);
  });
});
