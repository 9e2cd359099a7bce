/**
 * Typed errors with a stable code. The code decides the CLI exit status and the dashboard's failure
 * group; the message says what to do next.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'USAGE'
  | 'RUN_NOT_FOUND'
  | 'STORE'
  | 'ADAPTER'
  | 'SCORER'
  | 'EXECUTOR'
  | 'NOT_IMPLEMENTED'
  | 'RUN_BUSY'
  | 'DISK_FULL';

/** CLI exit status for each code: 2 for what the user must fix before anything runs. */
export const EXIT_STATUS: Record<ErrorCode, number> = {
  CONFIG_INVALID: 2,
  USAGE: 2,
  RUN_NOT_FOUND: 2,
  STORE: 1,
  ADAPTER: 1,
  SCORER: 1,
  /** Where trials run failed (producers crash-looping); a bad executor setting is USAGE (2). */
  EXECUTOR: 1,
  NOT_IMPLEMENTED: 2,
  RUN_BUSY: 2,
  // sysexits' EX_TEMPFAIL: nothing is wrong with the run; free space and resume it.
  DISK_FULL: 75,
};

export class MetaorchError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** One problem found in a config or dataset: where it is and what was expected there. */
export interface ConfigIssue {
  file: string;
  /** Path inside the file, e.g. `variants[2].adapter`; empty for the whole file. */
  path: string;
  message: string;
  /** 1-based line and column when the source is known. */
  line?: number;
  column?: number;
}

/**
 * Every problem in a config at once, so a user fixes them in one pass.
 *
 * @example
 * throw new ConfigError([{ file: 'exp.yaml', path: 'mode', message: "expected 'grid'" }]);
 */
export class ConfigError extends MetaorchError {
  readonly issues: ConfigIssue[];
  /** Problems found beyond those listed in `issues` (a file with 100,000 bad entries lists 50). */
  readonly omitted: number;
  /** `subject` names what was checked in the message: an experiment (default) or a workflow. */
  constructor(issues: ConfigIssue[], omitted = 0, subject = 'experiment') {
    const listed = issues.slice(0, MAX_LISTED_ISSUES);
    const more = omitted + issues.length - listed.length;
    super('CONFIG_INVALID', formatIssues(listed, more, subject));
    this.issues = listed;
    this.omitted = more;
  }
}

/** Most problems a ConfigError lists; the rest are counted ("... and 99,950 more"). */
export const MAX_LISTED_ISSUES = 50;

export function formatIssues(issues: ConfigIssue[], omitted = 0, subject = 'experiment'): string {
  const lines = issues.map((i) => {
    const at = i.line !== undefined ? `:${i.line}:${i.column ?? 1}` : '';
    const path = i.path ? ` ${i.path}:` : '';
    return `  ${i.file}${at}${path} ${i.message}`;
  });
  if (omitted > 0) lines.push(`  ... and ${omitted.toLocaleString('en-US')} more`);
  const n = issues.length + omitted;
  return `${n.toLocaleString('en-US')} problem${n === 1 ? '' : 's'} in the ${subject}:\n${lines.join('\n')}`;
}

export class UsageError extends MetaorchError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

export class RunNotFoundError extends MetaorchError {
  constructor(ref: string, known: string[]) {
    const hint = known.length ? ` Known runs: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', ...' : ''}.` : ' The store has no runs yet.';
    super('RUN_NOT_FOUND', `No run '${ref}' in the store, and no such exported file.${hint}`);
  }
}

export class StoreError extends MetaorchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE', message, options);
  }
}

/**
 * Another process executes the run (it holds the run's claim), or took it over from this one after
 * this process stalled past its lease.
 */
export class RunBusyError extends MetaorchError {
  constructor(message: string) {
    super('RUN_BUSY', message);
  }
}

/**
 * The disk holding the store (or a report) is full. What was committed is safe; the run can be
 * resumed once there is space. `runId` is set when a run exists.
 */
export class DiskFullError extends MetaorchError {
  constructor(message: string, readonly runId?: string, options?: { cause?: unknown }) {
    super('DISK_FULL', message, options);
  }
}

/**
 * Whether an error means the disk is full: SQLite's SQLITE_FULL, or ENOSPC/EDQUOT from the file system.
 *
 * @example
 * isDiskFull(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })); // true
 */
export function isDiskFull(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DiskFullError) return true;
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return true;
  }
  return false;
}

export class NotImplementedError extends MetaorchError {
  constructor(what: string) {
    super('NOT_IMPLEMENTED', `${what} is not implemented yet.`);
  }
}
