import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parseDocument } from 'yaml';
import { checkRegularFile, describeJsonError, FileReadError, readRegularFile } from '../model/files.js';

/** A problem reading a dataset file, located as precisely as the format allows. */
export interface DatasetIssue {
  path: string;
  message: string;
  line?: number;
}

export const DATASET_EXTENSIONS = ['.jsonl', '.ndjson', '.csv', '.json', '.yaml', '.yml'] as const;

/**
 * Reads the raw records of a dataset file (.jsonl, .csv, .json, .yaml). Every bad line is reported, not
 * only the first, so a user fixes a file in one pass. For JSON Lines, `lines` gives each record's line. Only regular files under the size limit are read
 * (see `readRegularFile`), and messages say where a problem is, never what the file holds: a
 * mistyped path may name a file of secrets.
 *
 * @example
 * const { records, issues } = readDataset('/abs/tasks.jsonl');
 */
export function readDataset(file: string, env: NodeJS.ProcessEnv = process.env): { records: unknown[]; issues: DatasetIssue[]; lines?: number[] } {
  const ext = extname(file).toLowerCase();
  let text: string;
  try {
    checkRegularFile(file);
    if (!(DATASET_EXTENSIONS as readonly string[]).includes(ext)) {
      return { records: [], issues: [{ path: '', message: `unsupported dataset extension '${ext}': expected one of ${DATASET_EXTENSIONS.join(', ')}` }] };
    }
    text = readRegularFile(file, env);
  } catch (e) {
    if (e instanceof FileReadError) return { records: [], issues: [{ path: '', message: `cannot read the tasks file: ${e.message}` }] };
    throw e;
  }
  switch (ext) {
    case '.jsonl':
    case '.ndjson':
      return readJsonLines(text);
    case '.csv':
      return readCsv(text);
    case '.json':
      return wrapList(() => parseJson(text));
    case '.yaml':
    case '.yml':
      return wrapList(() => parseYamlData(text));
    default:
      return { records: [], issues: [{ path: '', message: `unsupported dataset extension '${ext}': expected one of ${DATASET_EXTENSIONS.join(', ')}` }] };
  }
}

function readJsonLines(text: string): { records: unknown[]; issues: DatasetIssue[]; lines: number[] } {
  const records: unknown[] = [];
  const issues: DatasetIssue[] = [];
  const lines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      records.push(JSON.parse(line));
      lines.push(i + 1);
    } catch (e) {
      issues.push({ path: '', line: i + 1, message: describeJsonError(e, line).replace(/ at line 1, column/, ' at column') });
    }
  });
  return { records, issues, lines };
}

function readCsv(text: string): { records: unknown[]; issues: DatasetIssue[] } {
  try {
    const rows = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, trim: false }) as Record<string, string>[];
    return { records: rows.map(unflattenCsvRow), issues: [] };
  } catch (e) {
    // csv-parse's messages quote field values: name the problem by its code instead.
    const err = e as Error & { lines?: number; code?: unknown };
    const what = typeof err.code === 'string' ? err.code.replace(/^CSV_/, '').toLowerCase().replace(/_/g, ' ') : 'unreadable';
    return { records: [], issues: [{ path: err.lines ? `line ${err.lines}` : '', ...(err.lines ? { line: err.lines } : {}), message: `bad CSV: ${what}` }] };
  }
}

/** CSV columns `metadata.lang` become nested fields; everything else stays a string. */
function unflattenCsvRow(row: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    const dot = key.indexOf('.');
    if (dot > 0 && (key.startsWith('metadata.') || key.startsWith('input.'))) {
      const head = key.slice(0, dot);
      const bucket = (out[head] ??= {}) as Record<string, unknown>;
      bucket[key.slice(dot + 1)] = value;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** A parse failure whose message is safe to show (it locates the problem, it does not quote it). */
class ParseProblem extends Error {
  constructor(message: string, readonly line?: number) {
    super(message);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ParseProblem(describeJsonError(e, text));
  }
}

function parseYamlData(text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false });
  const first = doc.errors[0];
  // yaml's messages may end with the offending text ("...: <alias name>"): keep the part before it.
  if (first) throw new ParseProblem(`not valid YAML: ${(first.message.split('\n')[0] ?? '').replace(/:\s.*$/, '')}`, first.linePos?.[0].line);
  try {
    return doc.toJS({ maxAliasCount: 1000 }) as unknown;
  } catch (e) {
    throw new ParseProblem(e instanceof RangeError ? 'nested too deeply' : 'too many aliases (an alias bomb?), or an alias that names no anchor');
  }
}

function wrapList(read: () => unknown): { records: unknown[]; issues: DatasetIssue[] } {
  let value: unknown;
  try {
    value = read();
  } catch (e) {
    if (e instanceof ParseProblem) return { records: [], issues: [{ path: '', message: e.message, ...(e.line ? { line: e.line } : {}) }] };
    if (e instanceof RangeError) return { records: [], issues: [{ path: '', message: 'nested too deeply to read' }] };
    throw e;
  }
  if (Array.isArray(value)) return { records: value, issues: [] };
  if (value && typeof value === 'object' && Array.isArray((value as { tasks?: unknown }).tasks)) {
    return { records: (value as { tasks: unknown[] }).tasks, issues: [] };
  }
  return { records: [], issues: [{ path: '', message: 'expected a list of tasks (or an object with a `tasks` list)' }] };
}
