import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';

/** A problem reading a dataset file, located as precisely as the format allows. */
export interface DatasetIssue {
  path: string;
  message: string;
  line?: number;
}

export const DATASET_EXTENSIONS = ['.jsonl', '.ndjson', '.csv', '.json', '.yaml', '.yml'] as const;

/**
 * Reads the raw records of a dataset file (.jsonl, .csv, .json, .yaml). Every bad line is reported, not
 * only the first, so a user fixes a file in one pass.
 *
 * @example
 * const { records, issues } = readDataset('/abs/tasks.jsonl');
 */
export function readDataset(file: string): { records: unknown[]; issues: DatasetIssue[] } {
  const text = readFileSync(file, 'utf8');
  const ext = extname(file).toLowerCase();
  switch (ext) {
    case '.jsonl':
    case '.ndjson':
      return readJsonLines(text);
    case '.csv':
      return readCsv(text);
    case '.json':
      return wrapList(() => JSON.parse(text) as unknown);
    case '.yaml':
    case '.yml':
      return wrapList(() => parseYaml(text) as unknown);
    default:
      return { records: [], issues: [{ path: '', message: `unsupported dataset extension '${ext}': expected one of ${DATASET_EXTENSIONS.join(', ')}` }] };
  }
}

function readJsonLines(text: string): { records: unknown[]; issues: DatasetIssue[] } {
  const records: unknown[] = [];
  const issues: DatasetIssue[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      records.push(JSON.parse(line));
    } catch (e) {
      issues.push({ path: '', line: i + 1, message: `invalid JSON: ${(e as Error).message}` });
    }
  });
  return { records, issues };
}

function readCsv(text: string): { records: unknown[]; issues: DatasetIssue[] } {
  try {
    const rows = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, trim: false }) as Record<string, string>[];
    return { records: rows.map(unflattenCsvRow), issues: [] };
  } catch (e) {
    const err = e as Error & { lines?: number };
    return { records: [], issues: [{ path: err.lines ? `line ${err.lines}` : '', ...(err.lines ? { line: err.lines } : {}), message: `bad CSV: ${err.message}` }] };
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

function wrapList(read: () => unknown): { records: unknown[]; issues: DatasetIssue[] } {
  let value: unknown;
  try {
    value = read();
  } catch (e) {
    return { records: [], issues: [{ path: '', message: `cannot parse: ${(e as Error).message.split('\n')[0]}` }] };
  }
  if (Array.isArray(value)) return { records: value, issues: [] };
  if (value && typeof value === 'object' && Array.isArray((value as { tasks?: unknown }).tasks)) {
    return { records: (value as { tasks: unknown[] }).tasks, issues: [] };
  }
  return { records: [], issues: [{ path: '', message: 'expected a list of tasks (or an object with a `tasks` list)' }] };
}
