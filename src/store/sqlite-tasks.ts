import type Database from 'better-sqlite3';
import type { Task } from '../model/task.js';
import { storedTask, type StoredTaskRow } from '../tasks/stored-row.js';
import type { TaskList } from '../tasks/task-list.js';

const CHUNK = 1024;

/**
 * A run's tasks in the store as a TaskList: read CHUNK at a time in order (a grid walks them so), one
 * at a time out of order (an adaptive run's seeded permutation). Only one chunk is held, so a run over
 * millions of tasks keeps its memory flat. Reads never leave a statement open, so the connection can
 * write between them.
 *
 * @example
 * const tasks = new SqliteTasks(db, runId);
 * tasks.at(0)?.id;
 */
export class SqliteTasks implements TaskList {
  readonly length: number;
  private chunkStart = -1;
  private chunk: Task[] = [];
  private readonly range: Database.Statement;
  private readonly one: Database.Statement;

  constructor(db: Database.Database, private readonly runId: string) {
    this.length = ((db.prepare('SELECT MAX(idx) FROM tasks WHERE run_id = ?').pluck().get(runId) as number | null) ?? -1) + 1;
    this.range = db.prepare('SELECT id, input, expected, metadata FROM tasks WHERE run_id = ? AND idx >= ? AND idx < ? ORDER BY idx').raw();
    this.one = db.prepare('SELECT id, input, expected, metadata FROM tasks WHERE run_id = ? AND idx = ?').raw();
  }

  at(index: number): Task | undefined {
    if (index < 0 || index >= this.length) return undefined;
    const offset = index - this.chunkStart;
    if (this.chunkStart >= 0 && offset >= 0 && offset < this.chunk.length) return this.chunk[offset];
    // The next task after the chunk (walking in order): read the next chunk; anything else: just that one.
    if (this.chunkStart < 0 ? index === 0 : offset === this.chunk.length) {
      this.load(index);
      return this.chunk[0];
    }
    const row = this.one.get(this.runId, index) as StoredTaskRow | undefined;
    return row ? storedTask(row) : undefined;
  }

  *[Symbol.iterator](): Iterator<Task> {
    for (let start = 0; start < this.length; start += CHUNK) {
      const rows = this.range.all(this.runId, start, start + CHUNK) as StoredTaskRow[];
      for (const row of rows) yield storedTask(row);
    }
  }

  private load(start: number): void {
    this.chunkStart = start;
    this.chunk = (this.range.all(this.runId, start, start + CHUNK) as StoredTaskRow[]).map(storedTask);
  }
}
