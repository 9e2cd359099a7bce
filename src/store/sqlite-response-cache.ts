import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase } from './database.js';
import type { CachedResponse, ResponseCache } from '../cache/response-cache.js';

/**
 * The response cache as one SQLite file (`cache.db` beside the store): kept apart from the store, so
 * clearing it is deleting a file and a run's records never depend on it.
 *
 * @example
 * const cache = SqliteResponseCache.open('.metaorch/cache.db');
 * cache.get(key) ?? cache.put(key, { output, tokens });
 */
export class SqliteResponseCache implements ResponseCache {
  private readonly select: Database.Statement<[string], { output: string; tokens_in: number | null; tokens_out: number | null }>;
  private readonly insert: Database.Statement<[string, string, number | null, number | null, number]>;

  private constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS responses (
      key TEXT PRIMARY KEY, output TEXT NOT NULL, tokens_in INTEGER, tokens_out INTEGER, created_at INTEGER NOT NULL
    ) WITHOUT ROWID`);
    this.select = db.prepare('SELECT output, tokens_in, tokens_out FROM responses WHERE key = ?');
    this.insert = db.prepare('INSERT OR IGNORE INTO responses (key, output, tokens_in, tokens_out, created_at) VALUES (?, ?, ?, ?, ?)');
  }

  static open(path: string): SqliteResponseCache {
    mkdirSync(dirname(path), { recursive: true });
    const db = openDatabase(path);
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    return new SqliteResponseCache(db);
  }

  get(key: string): CachedResponse | undefined {
    const row = this.select.get(key);
    return row ? { output: row.output, tokens: { input: row.tokens_in, output: row.tokens_out } } : undefined;
  }

  put(key: string, response: CachedResponse): void {
    this.insert.run(key, response.output, response.tokens.input, response.tokens.output, Date.now());
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
