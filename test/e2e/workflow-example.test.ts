import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, runCli, tempDir } from '../support/cli.js';

/** examples/workflows/feature.md as its README runs it: offline, in seconds, paused at the sign-off, then approved. */

const { dir, cleanup } = tempDir('metaorch-wf-example-');
afterAll(cleanup);

describe('the example workflow', () => {
  it('builds the feature offline: reviews, a vote, passing tests, then waits for the sign-off', async () => {
    const file = join(REPO, 'examples/workflows/feature.md');
    expect((await runCli(['workflow', 'validate', file], { cwd: dir })).code).toBe(0);
    const work = join(dir, 'slugify-demo');
    const run = await runCli(['workflow', 'run', file, '--workdir', work], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(3);
    expect(run.stderr).toContain('choose-the-module-format: decided \'esm\' with 4 ballot(s) (esm: 3, cjs: 1; cannot-change)');
    expect(run.stderr).toContain('review-the-code: score 0.62 < 0.8; back to implement (round 2 of 3)');
    expect(run.stdout).toContain('✓ run-the-tests  check · 1 call(s)  → passed');
    expect(readFileSync(join(work, 'slugify.mjs.review.md'), 'utf8')).toContain('R2 is not met');
    expect(readFileSync(join(work, 'requirements.md'), 'utf8')).toContain('## REVIEW NOTES');

    const status = await runCli(['workflow', 'status', 'latest'], { cwd: dir });
    expect(status.stdout).toContain('voter-c: 1 of 1 (100%)');
    expect((await runCli(['workflow', 'approve', 'latest', 'sign-off'], { cwd: dir })).code).toBe(0);
    const done = await runCli(['workflow', 'resume', 'latest'], { cwd: dir });
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect(done.stdout).toMatch(/✓ sign-off {2}approve {2}→ approved/);
    const report = await runCli(['report', 'latest'], { cwd: dir });
    expect(report.stdout).toContain('**mode:** workflow');
  });
});
