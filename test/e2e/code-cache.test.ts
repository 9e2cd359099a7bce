import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cliEnv, runCli, tempDir } from '../support/cli.js';

/**
 * The code cache of bin/metaorch.cjs on real processes: the first run of a command writes it, the
 * next ones start from it, a damaged file is refused and rewritten without changing what the command
 * does, and a folder others can write to is never trusted.
 */

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('metaorch-code-cache-'));
  // A module variant too: the bundle imports a user's file, from restored code as well (see bin/metaorch.cjs).
  writeFileSync(join(dir, 'echo.mjs'), 'export default (input) => String(input.q);\n');
  writeFileSync(join(dir, 'exp.yaml'), [
    'seed: 3', 'tasks: [{ q: a, expected: a }, { q: b, expected: b }]',
    'variants: [{ id: v, adapter: mock, accuracy: 0.5 }, { id: echo, adapter: module, file: ./echo.mjs }]', '',
  ].join('\n'));
});
afterAll(() => cleanup());

let runs = 0;
async function run(cache: string): Promise<{ status: string; summary: string }> {
  const out = join(dir, `out-${++runs}`);
  const r = await runCli(['run', 'exp.yaml', '--db', join(dir, `s-${runs}.db`), '--no-progress', '--out', out], {
    cwd: dir, env: { METAORCH_CODE_CACHE: cache, METAORCH_DEBUG_CODE_CACHE: '1' },
  });
  expect(r.code, r.stderr).toBe(0);
  const status = /metaorch: code cache \S+: (\w+)/.exec(r.stderr)?.[1] ?? (/code cache off/.test(r.stderr) ? 'off' : '?');
  // What the run computed, without its id and times: the same whatever the cache did.
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { variants: { id: string; trials: number; meanScore: number }[] };
  return { status, summary: JSON.stringify(summary.variants.map((v) => [v.id, v.trials, v.meanScore])) };
}

describe('code cache', () => {
  it('is written by the first run of a command, used by the next, and refused and rewritten when damaged', async () => {
    const cache = join(dir, 'cache');
    const first = await run(cache);
    expect(first.status).toBe('none');
    expect(first.summary).toContain('["echo",2,1]');
    const files = readdirSync(cache).filter((f) => f.endsWith('-run.bin'));
    expect(files).toHaveLength(1);
    const file = join(cache, files[0]!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    expect(statSync(file).size).toBeGreaterThan(100_000);

    const second = await run(cache);
    expect(second.status).toBe('accepted');
    expect(second.summary).toBe(first.summary);

    writeFileSync(file, Buffer.alloc(statSync(file).size, 7));
    const damaged = await run(cache);
    expect(damaged.status).toBe('refused');
    expect(damaged.summary).toBe(first.summary);
    expect((await run(cache)).status).toBe('accepted');
    expect(readdirSync(cache).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 60_000);

  it('holds the start-up code even when V8 dropped idle bytecode during the run (as a long run does)', () => {
    // V8 drops the bytecode of functions idle across a few full collections: after a long run, that
    // was all of start-up, and the cache written at exit lacked it. --stress-flush-code with frequent
    // collections does in a second what a million trials do in ten.
    // Enough trials after start-up for the collections to come while start-up's functions sit idle.
    writeFileSync(join(dir, 'tasks.jsonl'), Array.from({ length: 5_000 }, (_, i) => JSON.stringify({ id: `t${i}`, input: { q: i }, expected: String(i) })).join('\n'));
    writeFileSync(join(dir, 'many.yaml'), ['seed: 3', 'tasks: ./tasks.jsonl', 'variants: [{ id: a, adapter: mock, accuracy: 0.5 }, { id: b, adapter: mock, accuracy: 0.7 }]', ''].join('\n'));
    const size = (cache: string, flags: string[]) => {
      const r = spawnSync(process.execPath, [...flags, '--', CLI, 'run', 'many.yaml', '--db', join(dir, `flush-${++runs}.db`), '--no-progress', '--out', join(dir, `out-${runs}`)], {
        cwd: dir, env: cliEnv({ METAORCH_CODE_CACHE: cache }), encoding: 'utf8', timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const files = readdirSync(cache).filter((f) => f.endsWith('-run.bin'));
      expect(files).toHaveLength(1);
      return statSync(join(cache, files[0]!)).size;
    };
    const calm = size(join(dir, 'calm'), []);
    const flushed = size(join(dir, 'flushed'), ['--stress-flush-code', '--gc-interval=50000']);
    expect(flushed).toBeGreaterThan(calm * 0.95);
  }, 60_000);

  it('removes files of other builds untouched for a week, and temporary files left for an hour', async () => {
    const cache = join(dir, 'prune');
    mkdirSync(cache, { mode: 0o700 });
    const old = new Date(Date.now() - 8 * 86_400_000);
    const files = { otherOld: 'aaaaaaaaaaaaaaaa-run.bin', otherNew: 'bbbbbbbbbbbbbbbb-run.bin', tmpOld: 'cccccccccccccccc-run.bin.1.tmp' };
    for (const name of Object.values(files)) writeFileSync(join(cache, name), 'x');
    utimesSync(join(cache, files.otherOld), old, old);
    utimesSync(join(cache, files.tmpOld), old, old);
    expect((await run(cache)).status).toBe('none');
    const left = readdirSync(cache);
    expect(left).toContain(files.otherNew);
    expect(left).not.toContain(files.otherOld);
    expect(left).not.toContain(files.tmpOld);
    expect(left.filter((f) => f.endsWith('-run.bin'))).toHaveLength(2);
  }, 60_000);

  it('is not used in a folder others can write to, nor when turned off', async () => {
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect((await run(open)).status).toBe('off');
    expect(readdirSync(open)).toEqual([]);
    expect((await run('off')).status).toBe('off');
  }, 60_000);
});
