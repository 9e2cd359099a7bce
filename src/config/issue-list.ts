import { ConfigError, MAX_LISTED_ISSUES, type ConfigIssue } from '../model/errors.js';
import { formatPath, type SourceDocument } from './source-map.js';

type Path = (string | number)[];

/**
 * Collects the problems of one validation pass, against the experiment file (located by path: line
 * and column) or against other files. Past the listing limit it only counts them: 100,000 duplicate ids
 * must not cost a locate and a line each.
 *
 * @example
 * const list = new IssueList(doc);
 * list.at(['variants', 0, 'adapter'], "unknown adapter 'gpt5'");
 * if (list.count) throw list.error((t) => t);
 */
export class IssueList {
  readonly issues: ConfigIssue[] = [];
  omitted = 0;
  constructor(private readonly doc: SourceDocument) {}

  get count(): number {
    return this.issues.length + this.omitted;
  }

  /** A problem with the value at `path` in the experiment file. */
  at(path: Path, message: string): void {
    this.push(path, message, this.doc.locate(path));
  }

  /** A problem with the field name at `path` (an unknown or misspelt key). */
  atKey(path: Path, message: string): void {
    this.push(path, message, this.doc.locateKey(path));
  }

  /** A problem in another file (a tasks file, a variant file), at a line when known. */
  inFile(file: string, path: string, message: string, line?: number): void {
    if (this.full()) return;
    this.issues.push({ file, path, message, ...(line !== undefined ? { line } : {}) });
  }

  /**
   * Every problem, in the order of the files' lines (the experiment file first), with the values of
   * referenced secrets (and pieces of them) blanked from the messages.
   */
  error(redact: (text: string) => string): ConfigError {
    const own = this.doc.file;
    const sorted = this.issues
      .map((issue, order) => ({ issue, order }))
      .sort((a, b) =>
        Number(a.issue.file !== own) - Number(b.issue.file !== own) ||
        (a.issue.file === b.issue.file ? 0 : a.issue.file < b.issue.file ? -1 : 1) ||
        (a.issue.line ?? 0) - (b.issue.line ?? 0) ||
        (a.issue.column ?? 0) - (b.issue.column ?? 0) ||
        a.order - b.order,
      )
      .map(({ issue }) => ({ ...issue, message: redact(issue.message) }));
    return new ConfigError(sorted, this.omitted);
  }

  private push(path: Path, message: string, pos: { line: number; column: number } | undefined): void {
    if (this.full()) return;
    this.issues.push({ file: this.doc.file, path: formatPath(path), message, ...(pos ? { line: pos.line, column: pos.column } : {}) });
  }

  private full(): boolean {
    if (this.issues.length < MAX_LISTED_ISSUES) return false;
    this.omitted++;
    return true;
  }
}
