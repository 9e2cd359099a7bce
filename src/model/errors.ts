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
  | 'NOT_IMPLEMENTED';

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
  constructor(issues: ConfigIssue[]) {
    super('CONFIG_INVALID', formatIssues(issues));
    this.issues = issues;
  }
}

export function formatIssues(issues: ConfigIssue[]): string {
  const lines = issues.map((i) => {
    const at = i.line !== undefined ? `:${i.line}:${i.column ?? 1}` : '';
    const path = i.path ? ` ${i.path}:` : '';
    return `  ${i.file}${at}${path} ${i.message}`;
  });
  const n = issues.length;
  return `${n} problem${n === 1 ? '' : 's'} in the experiment:\n${lines.join('\n')}`;
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

export class NotImplementedError extends MetaorchError {
  constructor(what: string) {
    super('NOT_IMPLEMENTED', `${what} is not implemented yet.`);
  }
}
