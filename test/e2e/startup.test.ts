import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cliEnv, collect, REPO, tempDir } from '../support/cli.js';

const PROGRAM = join(REPO, 'dist/cli/main.js');

/**
 * What starting a command costs is mostly what it loads. `--version` loads nothing of ours, and a
 * command loads its own dependencies only (timing floors are in bench/cli.bench.ts; this checks the
 * cause, deterministically). Module by module, that is read on the unbundled program
 * (dist/cli/main.js): the bundle `metaorch` runs (dist/bin/cli.cjs) evaluates a module only where the
 * program would load it, and loads the packages it leaves out of the bundle the same way.
 */

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('metaorch-startup-')));
afterAll(() => cleanup());

async function loaded(args: string[]): Promise<string[]> {
  const log = join(dir, `modules-${args[0]}.log`);
  writeFileSync(log, '');
  const child = spawn(process.execPath, ['--import', join(REPO, 'test/support/module-log.mjs'), PROGRAM, ...args], {
    cwd: dir, env: cliEnv({ METAORCH_MODULE_LOG: log }), stdio: ['ignore', 'pipe', 'pipe'],
  });
  const result = await collect(child);
  expect(result.code, result.stderr).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

const heavy = ['better-sqlite3', 'zod', 'yaml', '@stdlib', 'ajv', 'hono', 'openai', '@anthropic-ai', 'tsx'];
const uses = (modules: string[], name: string) => modules.some((m) => m.includes(`node_modules/${name}`) || m === `cjs:${name}` || m.startsWith(`cjs:${name}/`));

describe('start-up', () => {
  it('--version loads nothing but the entry point', async () => {
    const modules = await loaded(['--version']);
    expect(modules.filter((m) => m.includes('/dist/'))).toEqual([expect.stringMatching(/dist\/cli\/main\.js$/)]);
    expect(heavy.filter((h) => uses(modules, h))).toEqual([]);
  });

  it('--version through the bin (what `metaorch` runs) loads no module of ours and no dependency', async () => {
    const log = join(dir, 'modules-bin.log');
    writeFileSync(log, '');
    const child = spawn(process.execPath, ['--import', join(REPO, 'test/support/module-log.mjs'), join(REPO, 'bin/metaorch.cjs'), '--version'], {
      cwd: dir, env: cliEnv({ METAORCH_MODULE_LOG: log }), stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result = await collect(child);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe((JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version);
    const modules = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    expect(modules.filter((m) => m.includes('/dist/') || m.includes('node_modules/'))).toEqual([]);
  });

  it('the bin runs every other command through the program, exit codes included', async () => {
    const ok = await collect(spawn(process.execPath, [join(REPO, 'bin/metaorch.cjs'), '--help'], { cwd: dir, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Usage: metaorch');
    const bad = await collect(spawn(process.execPath, [join(REPO, 'bin/metaorch.cjs'), 'validate', join(dir, 'missing.yaml')], { cwd: dir, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('file not found');
  });

  it('--help loads the command definitions, not what the commands use', async () => {
    const modules = await loaded(['--help']);
    expect(heavy.filter((h) => uses(modules, h))).toEqual([]);
  });

  it('a grid run loads neither the SDKs, the policies, the JSON Schema validator nor the server', async () => {
    writeFileSync(join(dir, 'exp.yaml'), 'tasks: [{ q: a, expected: a }, { q: b, expected: b }]\nvariants: [{ id: v, adapter: mock }]\n');
    const modules = await loaded(['run', 'exp.yaml', '--db', join(dir, 'store.db'), '--no-progress']);
    // The @stdlib distributions are required when first called: a run's report calls some.
    expect(['ajv', 'hono', 'openai', '@anthropic-ai', 'tsx'].filter((h) => uses(modules, h))).toEqual([]);
    // P(best) is integrated (report/allocation.ts), not sampled with the policies' Beta sampler.
    expect(modules.filter((m) => /dist\/(policies|server|simulate|compare)\//.test(m))).toEqual([]);
  });
});
