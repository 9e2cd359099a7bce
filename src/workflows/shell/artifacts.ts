/**
 * Artifact files in the work folder and their manifest (`WORKDIR/.metaorch/manifest.json`): the hash
 * of every file a workflow wrote, so a file the user edited since (or one no workflow wrote) is
 * recognised and not overwritten unless asked (`--force`). Hashes ignore the REVIEW NOTES section,
 * which workflows append themselves.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { MetaorchError } from '../../model/errors.js';
import { contentHash, stripNotes } from '../machine/answers.js';
import type { Inspection } from '../machine/types.js';
import { writeAtomic } from './state-file.js';

export interface ManifestEntry {
  sha256: string;
  size: number;
  runId: string;
  step: string;
  artifact: string;
  version: number;
  writtenAt: number;
}

export interface Manifest {
  schemaVersion: 1;
  kind: 'meta-orchestrator/artifact-manifest';
  files: Record<string, ManifestEntry>;
}

export function manifestFile(workdir: string): string {
  return join(workdir, '.metaorch', 'manifest.json');
}

/** The work folder's manifest; an unreadable one is an error (it guards the user's files). */
export function readManifest(workdir: string): Manifest {
  const file = manifestFile(workdir);
  if (!existsSync(file)) return { schemaVersion: 1, kind: 'meta-orchestrator/artifact-manifest', files: {} };
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (m.kind !== 'meta-orchestrator/artifact-manifest' || typeof m.files !== 'object' || m.files === null) throw new Error('not an artifact manifest');
    return m;
  } catch (e) {
    throw new MetaorchError('CONFIG_INVALID', `${file} is damaged (${(e as Error).message}); remove it to treat every existing file as the user's`);
  }
}

/** A path inside the work folder; anything else is refused. */
export function insideWorkdir(workdir: string, path: string): string {
  const full = resolve(workdir, path);
  const rel = relative(workdir, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new MetaorchError('USAGE', `artifact path '${path}' leaves the work folder ${workdir}`);
  return full;
}

/**
 * Whether the file may be (re)generated: absent, written by this run (`ours` lists its hashes) or by
 * an earlier one and unchanged since, or `user-modified` (with its hash and content).
 *
 * @example
 * inspectArtifact('/repo', 'design.md', state.artifacts.design?.hashes ?? []);
 */
export function inspectArtifact(workdir: string, path: string, ours: readonly string[]): Inspection {
  const full = insideWorkdir(workdir, path);
  if (!existsSync(full)) return { status: 'absent' };
  const content = readFileSync(full, 'utf8');
  const sha256 = contentHash(content);
  if (ours.includes(sha256)) return { status: 'ours', sha256 };
  const entry = readManifest(workdir).files[normalise(path)];
  if (entry && entry.sha256 === sha256) return { status: 'ours', sha256 };
  return { status: 'user-modified', sha256, content: stripNotes(content) };
}

/** Current content without review notes (what downstream steps read), or null when missing. */
export function readArtifact(workdir: string, path: string): string | null {
  const full = insideWorkdir(workdir, path);
  return existsSync(full) ? stripNotes(readFileSync(full, 'utf8')) : null;
}

export interface WriteInfo {
  runId: string;
  step: string;
  artifact: string;
  version: number;
}

/**
 * Review notes are appended to Markdown artifacts; any other file (code, data) keeps its content
 * intact and gets its notes beside it, in `FILE.review.md`.
 */
export function notesInside(path: string): boolean {
  return /\.(md|markdown)$/i.test(path);
}

/** Writes an artifact (atomically) and records its hash in the manifest. */
export function writeArtifact(workdir: string, path: string, content: string, notes: string | null, info: WriteInfo): void {
  const full = insideWorkdir(workdir, path);
  const text = notes && notesInside(path) ? `${content.replace(/\s+$/, '')}\n\n${notes}` : content;
  writeAtomic(full, text);
  if (notes && !notesInside(path)) writeNotes(workdir, path, notes);
  const manifest = readManifest(workdir);
  manifest.files[normalise(path)] = { sha256: contentHash(content), size: Buffer.byteLength(content), writtenAt: Date.now(), ...info };
  writeAtomic(manifestFile(workdir), `${JSON.stringify(manifest, null, 1)}\n`);
}

/**
 * Replaces the REVIEW NOTES section of a Markdown artifact on disk (its identity hash does not change),
 * or writes the notes of any other artifact to `FILE.review.md`.
 */
export function writeNotes(workdir: string, path: string, notes: string): boolean {
  const full = insideWorkdir(workdir, path);
  if (!notesInside(path)) {
    writeAtomic(`${full}.review.md`, `# Review notes: ${path}\n\n${notes.replace(/^## REVIEW NOTES\n\n/, '')}`);
    return true;
  }
  if (!existsSync(full)) return false;
  const body = stripNotes(readFileSync(full, 'utf8')).replace(/\s+$/, '');
  writeAtomic(full, `${body}\n\n${notes}`);
  return true;
}

/** Records files an agent wrote itself (`writes:`), so later edits by the user are recognised too. */
export function recordWrites(workdir: string, paths: readonly string[], info: WriteInfo): void {
  const manifest = readManifest(workdir);
  let changed = false;
  for (const path of paths) {
    const full = insideWorkdir(workdir, path);
    if (!existsSync(full)) continue;
    const content = readFileSync(full, 'utf8');
    manifest.files[normalise(path)] = { sha256: contentHash(content), size: Buffer.byteLength(content), writtenAt: Date.now(), ...info };
    changed = true;
  }
  if (changed) writeAtomic(manifestFile(workdir), `${JSON.stringify(manifest, null, 1)}\n`);
}

function normalise(path: string): string {
  return path.split(/[\\/]+/).filter(Boolean).join('/');
}

/** SHA-256 of text, hex. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
