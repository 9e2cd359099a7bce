import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';
import { trialEventSeqs } from '../../src/store/trial-events.js';

/**
 * A full disk under the store, for real: a 3 MB tmpfs mounted by the test (root only; elsewhere the
 * tests are skipped with a message). The run must stop cleanly, keep what was committed, record why,
 * say how to go on, exit 75, and resume exactly once there is space.
 */

function tryMount(dir: string, size: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    // not mounted
  }
}

const tmp = tempDir('metaorch-diskfull-');
const probe = join(tmp.dir, 'probe');
const canMount = process.platform === 'linux' && process.getuid?.() === 0 && tryMount(probe, '64k');
unmount(probe);
if (!canMount) {
  console.warn('disk-full tests SKIPPED: they mount a small tmpfs, which needs root on Linux (run the suite as root to include them).');
}

const EXPERIMENT = `name: full
repeats: 1000
concurrency: 50
prompt: "{{q}} and some padding so that each trial row takes room: lorem ipsum dolor sit amet, consectetur"
tasks:
  - { q: a, expected: a }
  - { q: b, expected: b }
  - { q: c, expected: c }
  - { q: d, expected: d }
  - { q: e, expected: e }
variants:
  - { id: a, adapter: mock, accuracy: 0.8 }
  - { id: b, adapter: mock, accuracy: 0.5 }
  - { id: c, adapter: mock, accuracy: 0.5 }
`;
const PLANNED = 3 * 5 * 1000;

/** Writes zeros to `file` until the file system has no room left. */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, block);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!canMount)('a full disk', () => {
  const mnt = join(tmp.dir, 'mnt');
  const db = join(mnt, 'store.db');
  beforeAll(() => {
    writeFileSync(join(tmp.dir, 'exp.yaml'), EXPERIMENT);
    expect(tryMount(mnt, '1m')).toBe(true); // compact rows: 15,000 trials take about 2 MB
  });
  afterAll(() => {
    unmount(mnt);
    unmount(join(tmp.dir, 'reports'));
    tmp.cleanup();
  });

  const read = () => {
    const store = new Database(db, { readonly: true });
    try {
      const run = store.prepare('SELECT id, status, error, pid FROM runs').get() as { id: string; status: string; error: string | null; pid: number | null };
      const trials = store.prepare("SELECT COUNT(*) AS finished FROM trials WHERE status != 'scheduled'").get() as { finished: number };
      const announced = (store.prepare("SELECT data FROM events WHERE type = 'trials'").all() as { data: string }[]).flatMap(
        (e) => trialEventSeqs(JSON.parse(e.data)),
      );
      return { run, finished: trials.finished, announced };
    } finally {
      store.close();
    }
  };

  it('stops the run, keeps what was committed, records it as interrupted, says how to resume, exits 75', async () => {
    const r = await runCli(['run', 'exp.yaml', '--db', db, '--no-progress'], { cwd: tmp.dir, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(75);
    const state = read();
    expect(state.finished).toBeGreaterThan(0);
    expect(state.finished).toBeLessThan(PLANNED);
    // Recorded interrupted with the reason "when the disk allows": that last write may not fit either,
    // and then the run stays `running` under this dead pid, which resume takes over.
    if (state.run.status === 'interrupted') expect(state.run).toMatchObject({ error: 'disk full', pid: null });
    else expect(state.run.status).toBe('running');
    const safe = state.finished.toLocaleString('en-US');
    expect(r.stderr).toContain(`disk full: ${safe} trials are safe in mnt/store.db; free space and run \`metaorch resume ${state.run.id}\``);
    expect(r.stderr).not.toMatch(/SqliteError|\n\s+at /);
  }, 150_000);

  it('stops a resume on the still-full disk the same way: exit 75, the same message, nothing lost or doubled', async () => {
    // The first run may have left a few pages free (a checkpoint, a shrunk WAL): take them. SQLite can
    // still reuse room inside its own files, so the resume may record a few more trials before it
    // stops: what matters is that it stops cleanly and says how many are safe.
    fillDisk(join(mnt, 'filler'));
    const before = read();
    const r = await runCli(['resume', 'latest', '--db', db, '--no-progress'], { cwd: tmp.dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(75);
    const after = read();
    expect(after.finished).toBeGreaterThanOrEqual(before.finished);
    expect(after.finished).toBeLessThan(PLANNED);
    expect(r.stderr).toContain(`disk full: ${after.finished.toLocaleString('en-US')} trials are safe in mnt/store.db`);
    expect(r.stderr).not.toMatch(/SqliteError|\n\s+at /);
    expect(new Set(after.announced).size).toBe(after.announced.length);
    expect(after.run.status).not.toBe('completed');
  }, 90_000);

  it('resumes exactly once there is space: every trial recorded and announced once', async () => {
    rmSync(join(mnt, 'filler'), { force: true });
    execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
    const r = await runCli(['resume', 'latest', '--db', db, '--no-progress'], { cwd: tmp.dir, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/completed: 15,000 trials/);
    const state = read();
    expect(state.run.status).toBe('completed');
    expect(state.finished).toBe(PLANNED);
    expect(state.announced.length).toBe(PLANNED);
    expect(new Set(state.announced).size).toBe(PLANNED);
  }, 150_000);

  it('writes reports atomically: a full disk leaves no empty or partial summary, and exits 75', async () => {
    const reports = join(tmp.dir, 'reports');
    expect(tryMount(reports, '256k')).toBe(true);
    mkdirSync(join(reports, 'out'));
    // Fill the disk to the last byte.
    try {
      writeFileSync(join(reports, 'filler'), Buffer.alloc(1024 * 1024));
    } catch {
      // ENOSPC: it is full, which is the point
    }
    const small = join(tmp.dir, 'small.db');
    const r = await runCli(['run', 'exp.yaml', '--db', small, '--out', join(reports, 'out'), '--no-progress'], { cwd: tmp.dir, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(75);
    expect(r.stderr).toMatch(/disk full: cannot write the report to reports\/out; run \S+ is safe in the store: free space and run `metaorch resume \S+ --out reports\/out` to write it/);
    expect(readdirSync(join(reports, 'out'))).toEqual([]);
  }, 150_000);
});
