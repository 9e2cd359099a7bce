import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, collect, REPO, tempDir } from '../support/cli.js';

/**
 * Installation as a user does it: the package is packed (`npm pack`), the tarball installed into a
 * fresh folder (from the npm cache where it can), and the installed `metaorch` (its bin, through its
 * shebang) runs --version, the quick start copied from the installed examples, `schema`, and `serve`
 * with the dashboard the tarball ships. `npm test` builds dist/ first; the pack skips `prepare`.
 */

const run = promisify(execFile);
let tmp: { dir: string; cleanup: () => void };
let app = '';
let bin = '';

beforeAll(async () => {
  tmp = tempDir('metaorch-install-');
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp.dir], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });
  const tarball = join(tmp.dir, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
  app = join(tmp.dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-evals', private: true }));
  // Dependencies come from the npm cache when it has them. Install scripts are skipped: the one that
  // matters, better-sqlite3's native build (1-2 minutes from source), is reused from this checkout
  // when the versions match, and compiled otherwise.
  await run('npm', ['install', tarball, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 });
  const version = (dir: string) => (JSON.parse(readFileSync(join(dir, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
  if (version(app) === version(REPO)) {
    cpSync(join(REPO, 'node_modules/better-sqlite3/build'), join(app, 'node_modules/better-sqlite3/build'), { recursive: true });
  } else {
    await run('npm', ['rebuild', 'better-sqlite3'], { cwd: app, timeout: 300_000 });
  }
  bin = join(app, 'node_modules/.bin/metaorch');
}, 420_000);
afterAll(() => tmp.cleanup());

const metaorch = (args: string[], cwd = app) => collect(spawn(bin, args, { cwd, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] }), 120_000);

describe('the packed package, installed in a fresh folder', () => {
  it('runs --version through its bin', async () => {
    const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
    const r = await metaorch(['--version']);
    expect(r.stdout.trim()).toBe(version);
    expect(r.code).toBe(0);
  });

  it('runs the quick start copied from the installed examples', async () => {
    cpSync(join(app, 'node_modules/meta-orchestrator/examples/quickstart'), join(app, 'quickstart'), { recursive: true });
    const r = await metaorch(['run', 'quickstart/experiment.yaml', '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Run \S+ completed: 300 trials, \d+ errors; (winner|leader): careful/);
  });

  it('prints the JSON Schema it ships', async () => {
    const r = await metaorch(['schema']);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(join(REPO, 'schema/experiment.schema.json'), 'utf8')));
    expect(JSON.parse(readFileSync(join(app, 'node_modules/meta-orchestrator/schema/experiment.schema.json'), 'utf8'))).toEqual(JSON.parse(r.stdout));
  });

  it('serves the dashboard from the tarball', async () => {
    const child = spawn(bin, ['serve', '--port', '0'], { cwd: app, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const done = collect(child, 120_000);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const deadline = Date.now() + 60_000;
      while (!/metaorch dashboard: (http:\/\/\S+?)\/#token=/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const url = /metaorch dashboard: (http:\/\/\S+?)\/#token=/.exec(out)?.[1];
      expect(url, out).toBeDefined();
      const page = await (await fetch(`${url}/`)).text();
      expect(page).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/);
      const asset = /src="(\/assets\/index-[\w-]+\.js)"/.exec(page)![1]!;
      const js = await fetch(`${url}${asset}`);
      expect(js.status).toBe(200);
      expect((await js.text()).length).toBeGreaterThan(10_000);
      const runs = (await (await fetch(`${url}/api/runs`)).json()) as { runs: { name: string; status: string }[] };
      expect(runs.runs.map((r) => [r.name, r.status])).toEqual([['quickstart', 'completed']]);
    } finally {
      child.kill('SIGINT');
      await done;
    }
  });
});
