import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Default largest file an experiment reads (experiment, tasks, schema and variant files). */
export const DEFAULT_MAX_FILE_MB = 256;
/** Node cannot hold a string much longer than 512 MiB: the limit cannot be raised past it. */
export const HARD_MAX_FILE_MB = 512;
/** The environment variable that raises (or lowers) the limit. */
export const MAX_FILE_ENV = 'METAORCH_MAX_FILE_MB';

/**
 * A file that cannot be read as asked. The message says what the file is and what was expected,
 * never what the file contains (it may be `/proc/self/environ` or a key file named by mistake).
 */
export class FileReadError extends Error {
  constructor(readonly file: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FileReadError';
  }
}

/** The size limit in bytes: METAORCH_MAX_FILE_MB when set to a number in (0, 512], else 256 MB. */
export function maxFileBytes(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env[MAX_FILE_ENV]);
  return (Number.isFinite(mb) && mb > 0 ? Math.min(mb, HARD_MAX_FILE_MB) : DEFAULT_MAX_FILE_MB) * 1024 * 1024;
}

/**
 * Reads a regular file as UTF-8, refusing anything else before reading a byte: a directory, a device
 * (a symlink to /dev/zero), a FIFO (whose open would block forever), or a file over the size limit.
 * The limit is checked while reading too, since files under /proc report a size of 0.
 *
 * @example
 * const text = readRegularFile('/abs/tasks.jsonl'); // throws FileReadError with a plain reason
 */
export function readRegularFile(file: string, env: NodeJS.ProcessEnv = process.env): string {
  const limit = maxFileBytes(env);
  const { fd, size } = openRegular(file);
  try {
    if (size > limit) throw new FileReadError(file, tooLarge(size, limit, true));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > limit) throw new FileReadError(file, tooLarge(total, limit, false));
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } catch (e) {
    throw readProblem(file, e);
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens `file` for reading without blocking and refuses anything but a regular file, before a byte
 * is read. The caller closes the returned descriptor.
 */
function openRegular(file: string): { fd: number; size: number } {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer that never comes.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new FileReadError(file, openProblem(e), { cause: e });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new FileReadError(file, `expected a regular file, found ${kindOf(stat)}`);
    return { fd, size: stat.size };
  } catch (e) {
    closeSync(fd);
    throw readProblem(file, e);
  }
}

/** A FileReadError as is; anything else as a plain 'cannot read' with its error code. */
function readProblem(file: string, e: unknown): FileReadError {
  if (e instanceof FileReadError) return e;
  return new FileReadError(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { cause: e });
}

/**
 * A regular file that exists, for files that are loaded by another reader (modules imported by Node):
 * the same refusal of directories, devices and FIFOs, without reading the content.
 */
export function checkRegularFile(file: string): void {
  closeSync(openRegular(file).fd);
}

/**
 * Why text is not JSON, and where, without quoting it: V8's messages quote the text's first
 * characters ("Unexpected token 's', "sk-live-12"... is not valid JSON").
 *
 * @example
 * try { JSON.parse(text) } catch (e) { describeJsonError(e, text) } // 'invalid JSON: unterminated string at line 3, column 9'
 */
export function describeJsonError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const located = /^([A-Za-z ',:"{}[\]-]{1,80}?) in JSON at position (\d+)/.exec(message);
  if (located) {
    const { line, column } = lineColumn(text, Number(located[2]));
    return `invalid JSON: ${lowerFirst(located[1]!)} at line ${line}, column ${column}`;
  }
  if (/end of JSON input/.test(message)) return 'invalid JSON: it ends too early';
  if (/^Unexpected token/.test(message)) return 'invalid JSON: unexpected character';
  if (error instanceof RangeError) return 'invalid JSON: nested too deeply';
  return 'invalid JSON';
}

function lineColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: position - start + 1 };
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** `exact`: the size is known (stat); otherwise reading stopped at the limit and the file is larger. */
function tooLarge(bytes: number, limit: number, exact: boolean): string {
  const mb = (n: number) => `${Number((n / (1024 * 1024)).toFixed(2))} MB`;
  const size = exact ? `it is ${mb(bytes)}` : 'it is larger still';
  const suggest = Math.min(HARD_MAX_FILE_MB, Math.ceil((bytes * 1.5) / (1024 * 1024)));
  return `is larger than the ${mb(limit)} limit for files an experiment reads (${size}); raise it with ${MAX_FILE_ENV}=${suggest} (at most ${HARD_MAX_FILE_MB})`;
}

function openProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'too many levels of symbolic links';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  return `cannot open: ${code ?? 'error'}`;
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'something else';
}

/**
 * Writes a file so that readers see the old content or the new one, never a part: the text goes to a
 * temporary file beside it, is flushed to disk, then renamed over the target. On failure (a full
 * disk) the temporary file is removed and the target is left as it was.
 *
 * @example
 * writeFileAtomic('out/summary.json', JSON.stringify(report));
 */
export function writeFileAtomic(file: string, text: string): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(temp, 'w');
    try {
      const bytes = Buffer.from(text, 'utf8');
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
