/**
 * `state.json` on disk: written atomically (a temporary file in the same folder, fsync, rename, fsync
 * of the folder), so a reader or a crash sees the old state or the new one, never half of one; read
 * back with validation, so a hand-edited or damaged file is a clear error naming what is wrong.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { describeIssues } from '../../model/issue-text.js';
import { dirname, join } from 'node:path';
import { MetaorchError } from '../../model/errors.js';
import { workflowStateSchema, type WorkflowState } from '../state.js';

/** `.metaorch/workflows/RUN/` beside the store: state.json, plan.json, answers/. */
export function workflowDir(dbPath: string, runId: string): string {
  return join(dirname(dbPath), 'workflows', runId);
}

export function stateFile(dir: string): string {
  return join(dir, 'state.json');
}

/**
 * Writes a file atomically and durably.
 *
 * @example
 * writeAtomic('/x/state.json', JSON.stringify(state));
 */
export function writeAtomic(file: string, text: string): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}.tmp`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
  // The rename is durable only once the folder's entry is on disk.
  let dfd: number | null = null;
  try {
    dfd = openSync(dir, 'r');
    fsyncSync(dfd);
  } catch {
    // Some filesystems refuse fsync on a folder; the rename is still atomic.
  } finally {
    if (dfd !== null) closeSync(dfd);
  }
}

export function saveState(dir: string, state: WorkflowState): void {
  writeAtomic(stateFile(dir), `${JSON.stringify(state, null, 1)}\n`);
}

/**
 * Reads and validates a run's state.
 *
 * @example
 * const state = loadState('.metaorch/workflows/RUN');
 */
export function loadState(dir: string): WorkflowState {
  const file = stateFile(dir);
  if (!existsSync(file)) throw new MetaorchError('RUN_NOT_FOUND', `No workflow state at ${file}: is this a workflow run of this store (--db)?`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new MetaorchError('CONFIG_INVALID', `${file} is not valid JSON (${(e as Error).message}); it was edited by hand or damaged. Restore it, or start the workflow again.`);
  }
  const parsed = workflowStateSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const described = describeIssues(parsed.error.issues, { hideValues: true });
    const problems = described.slice(0, 8).map((i) => `  ${i.path.join('.') || '(top)'}: ${i.message}`);
    const more = described.length > 8 ? `\n  ... and ${described.length - 8} more` : '';
    throw new MetaorchError('CONFIG_INVALID', `${file} does not hold a valid workflow state (edited by hand or damaged):\n${problems.join('\n')}${more}`);
  }
  checkConsistency(file, parsed.data);
  return parsed.data;
}

/** What the schema cannot see: references between parts of the state. */
function checkConsistency(file: string, s: WorkflowState): void {
  const problems: string[] = [];
  for (const [key, call] of Object.entries(s.calls)) {
    if (String(call.seq) !== key) problems.push(`calls.${key}: its seq is ${call.seq}`);
    if (!s.instances[call.instance]) problems.push(`calls.${key}: names instance '${call.instance}', which the state does not have`);
    if (call.seq >= s.nextSeq) problems.push(`calls.${key}: seq ${call.seq} is not below nextSeq ${s.nextSeq}`);
  }
  for (const [key, inst] of Object.entries(s.instances)) {
    if (inst.id !== key) problems.push(`instances.${key}: its id is '${inst.id}'`);
    if (inst.parent !== null && !s.instances[inst.parent]) problems.push(`instances.${key}: parent '${inst.parent}' is missing`);
  }
  if (problems.length) {
    throw new MetaorchError('CONFIG_INVALID', `${file} is inconsistent (edited by hand or damaged):\n${problems.slice(0, 8).map((p) => `  ${p}`).join('\n')}`);
  }
}
