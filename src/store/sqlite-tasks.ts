import type Database from 'better-sqlite3';
import type { Task } from '../model/task.js';
import type { TaskList } from '../tasks/task-list.js';

const CHUNK = 1024;

/** id, input, expected, metadata (raw rows: no object per row). */
type TaskRow = [string, string, string | null, string | null];

function rowToTask([id, input, expected, metadata]: TaskRow): Task {
  const task: Task = { id, input: JSON.parse(input) as Record<string, unknown> };
  if (expected !== null) task.expected = plainString(expected) ?? JSON.parse(expected);
  if (metadata !== null) task.metadata = JSON.parse(metadata) as Record<string, unknown>;
  return task;
}

/**
 * The value of a stored JSON string without escapes, else undefined. Stored texts are JSON.stringify's
 * (or the same bytes: tasks/stored-row.ts), which escapes every quote and control character, so
 * between the quotes of such a text is the string itself. The common expected answer is one, and
 * JSON.parse would look each up in V8's string table.
 */
function plainString(json: string): string | undefined {
  return json.charCodeAt(0) === QUOTE && !json.includes('\\') ? json.slice(1, -1) : undefined;
}

const QUOTE = 0x22;

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
    const row = this.one.get(this.runId, index) as TaskRow | undefined;
    return row ? rowToTask(row) : undefined;
  }

  *[Symbol.iterator](): Iterator<Task> {
    for (let start = 0; start < this.length; start += CHUNK) {
      const rows = this.range.all(this.runId, start, start + CHUNK) as TaskRow[];
      for (const row of rows) yield rowToTask(row);
    }
  }

  private load(start: number): void {
    this.chunkStart = start;
    this.chunk = (this.range.all(this.runId, start, start + CHUNK) as TaskRow[]).map(rowToTask);
  }
}
