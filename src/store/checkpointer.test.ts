import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite-store.js';

/**
 * The background checkpointer, on real files: pages the writer commits reach the database file
 * although the writer itself no longer checkpoints below 20,000 pages, and closing the store leaves
 * no WAL behind.
 */

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** Commits about `mb` MB in transactions of 256 KB, as a writer does. */
function write(store: SqliteStore, mb: number): void {
  store.db.exec('CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, blob BLOB)');
  const insert = store.db.prepare('INSERT INTO filler (blob) VALUES (?)');
  const blob = Buffer.alloc(4000, 7);
  for (let t = 0; t < mb * 4; t++) store.db.transaction(() => { for (let i = 0; i < 64; i++) insert.run(blob); })();
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (check()) return true;
  return check();
}

describe('background checkpointer', () => {
  it('copies committed pages into the database file while the writer goes on, and leaves no WAL at close', async () => {
    dir = mkdtempSync(join(tmpdir(), 'metaorch-ckpt-'));
    const file = join(dir, 's.db');
    const store = SqliteStore.open(file, { checkpointer: true });
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(20_000);
    const before = statSync(file).size;
    // 12 MB: about 3,000 pages, past SQLite's default threshold (1,000) but far below the writer's.
    write(store, 12);
    expect(await until(() => statSync(file).size > before + 10 * 2 ** 20, 10_000)).toBe(true);
    store.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const again = SqliteStore.open(file);
    expect(again.db.prepare('SELECT COUNT(*) FROM filler').pluck().get()).toBe(12 * 4 * 64);
    expect(again.db.pragma('integrity_check', { simple: true })).toBe('ok');
    again.close();
  }, 60_000);

  it('leaves the writer to checkpoint as SQLite does when none is asked for', async () => {
    dir = mkdtempSync(join(tmpdir(), 'metaorch-ckpt-'));
    const store = SqliteStore.open(join(dir, 's.db'));
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    store.close();
  });
});
