import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectRunComplete } from '../support/chaos.js';
import { REPO, runCli, tempDir } from '../support/cli.js';

/** README's scaling example works as written: on a pool by default, inline with --executor inline. */
describe('examples/scaling', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it('runs on a pool of producers, and the same trials inline', async () => {
    const tmp = tempDir('metaorch-example-');
    cleanup = tmp.cleanup;
    const db = join(tmp.dir, 's.db');
    const pooled = await runCli(['run', 'examples/scaling/experiment.yaml', '--db', db, '--no-progress', '--out', join(tmp.dir, 'a')], { cwd: REPO });
    expect(pooled.code, pooled.stderr).toBe(0);
    expect(pooled.stdout).toMatch(/executor pool \(\d+ producers\)/);
    const inline = await runCli(['run', 'examples/scaling/experiment.yaml', '--db', db, '--no-progress', '--out', join(tmp.dir, 'b'), '--executor', 'inline'], { cwd: REPO });
    expect(inline.code, inline.stderr).toBe(0);
    for (const [r, out] of [[pooled, 'a'], [inline, 'b']] as const) {
      const runId = /^Run (\S+)/.exec(r.stdout)?.[1] as string;
      expect(expectRunComplete(db, runId, 600, join(tmp.dir, out, 'summary.json'))).toEqual({ status: 'completed', ok: 600, errors: 0 });
    }
  }, 120_000);
});
