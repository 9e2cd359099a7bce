/** Bytes of stderr kept while a command runs: far more than the tail shown, so lines are whole. */
const KEEP_BYTES = 64 * 1024;
const SHOW_LINES = 20;
const SHOW_BYTES = 2048;

/**
 * Keeps the end of a command's stderr in bounded memory and formats it for an error message: the
 * last 20 lines, at most 2 KB.
 *
 * @example
 * const tail = new StderrTail();
 * child.stderr.on('data', (chunk) => tail.push(chunk));
 * tail.describe(); // 'stderr (last 2 lines):\nwarning\nfatal: no such file'
 */
export class StderrTail {
  /** Total bytes seen, including those no longer kept. */
  bytes = 0;
  private kept: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    const joined = Buffer.concat([this.kept, chunk]);
    this.kept = joined.length > KEEP_BYTES ? joined.subarray(joined.length - KEEP_BYTES) : joined;
  }

  /** What is kept (the last 64 KB), as text. */
  text(): string {
    return this.kept.toString('utf8');
  }

  /** The last lines, or a note that the stream (stderr unless `label` says otherwise) was empty. */
  describe(label = 'stderr'): string {
    const text = this.kept.toString('utf8').replace(/\s+$/, '');
    if (text === '') return `${label}: (empty)`;
    const lines = text.split(/\r?\n/).slice(-SHOW_LINES);
    let tail = lines.join('\n');
    if (Buffer.byteLength(tail) > SHOW_BYTES) tail = `...${Buffer.from(tail).subarray(-SHOW_BYTES).toString('utf8')}`;
    return `${label} (last ${lines.length} lines):\n${tail}`;
  }
}
