import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';

/** Commands that only read (runs, report, export, compare, resume) never create a store. */

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = tempDir('metaorch-readonly-');
});
afterAll(() => tmp.cleanup());

describe('read-only commands in a folder without a store', () => {
  const commands: string[][] = [['runs'], ['runs', '--json'], ['report', 'latest'], ['export', 'latest'], ['compare', 'a', 'b'], ['resume', 'latest']];
  for (const args of commands) {
    it(`metaorch ${args.join(' ')} says there is no store, exits 2 and creates nothing`, async () => {
      const r = await runCli(args, { cwd: tmp.dir });
      expect(r.stderr).toBe(
        'error: no store at .metaorch/metaorch.db: no run has been recorded there (run one with `metaorch run EXPERIMENT`, or name the store with --db or METAORCH_DB)\n',
      );
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(readdirSync(tmp.dir)).toEqual([]);
    });
  }

  it('names the store given with --db or METAORCH_DB', async () => {
    const flag = await runCli(['report', 'latest', '--db', 'elsewhere/x.db'], { cwd: tmp.dir });
    expect(flag.stderr).toMatch(/^error: no store at elsewhere\/x\.db: /);
    const env = await runCli(['runs'], { cwd: tmp.dir, env: { METAORCH_DB: join(tmp.dir, 'y.db') } });
    expect(env.stderr).toMatch(/^error: no store at y\.db: /);
    expect(env.code).toBe(2);
    expect(existsSync(join(tmp.dir, 'elsewhere'))).toBe(false);
    expect(readdirSync(tmp.dir)).toEqual([]);
  });
});
