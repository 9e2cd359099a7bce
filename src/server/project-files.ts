/**
 * Experiment files of the project folder, for the Launch page. Every path the browser sends is
 * resolved inside the folder (symlinks included) or refused: no path escapes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../model/errors.js';
import { writeFileAtomic } from '../model/files.js';
import type { ProjectFile } from './api-types.js';

const SKIP = new Set(['node_modules', '.git', 'dist', 'coverage', 'test-artifacts', '.metaorch', '.cache', '.scratch']);
const EXPERIMENT_EXT = new Set(['.yaml', '.yml']);
const MAX_FILES = 500;
const MAX_DEPTH = 5;

/**
 * YAML files under the project folder (skipping dependencies, build output and the store's folder),
 * newest first.
 *
 * @example
 * listExperimentFiles('/home/me/project'); // [{ path: 'examples/quickstart/experiment.yaml', ... }]
 */
export function listExperimentFiles(root: string): ProjectFile[] {
  const files: ProjectFile[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > MAX_DEPTH || files.length >= MAX_FILES) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (files.length >= MAX_FILES) return;
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !SKIP.has(entry.name) && !entry.name.startsWith('.')) walk(path, depth + 1);
      else if (entry.isFile() && EXPERIMENT_EXT.has(extname(entry.name)) && !/^(pnpm-|\.)/.test(entry.name)) {
        const st = statSync(path);
        files.push({ path: relative(root, path).split(sep).join('/'), size: st.size, mtime: st.mtimeMs });
      }
    }
  };
  walk(root, 0);
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * The absolute path of a project-relative experiment file, or a UsageError when it is outside the
 * folder (`..`, absolute paths, symlinks pointing out), missing, or not YAML/JSON.
 *
 * @example
 * resolveProjectFile('/p', 'examples/exp.yaml'); // '/p/examples/exp.yaml'
 * resolveProjectFile('/p', '../etc/passwd');      // throws
 */
export function resolveProjectFile(root: string, path: string): string {
  if (typeof path !== 'string' || path === '' || path.includes('\0') || isAbsolute(path)) throw new UsageError('expected a path relative to the project folder');
  const realRoot = realpathSync(root);
  const candidate = resolve(realRoot, path);
  if (!inside(realRoot, candidate)) throw new UsageError(`'${path}' is outside the project folder`);
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    throw new UsageError(`no file '${path}' in the project folder`);
  }
  if (!inside(realRoot, real)) throw new UsageError(`'${path}' is outside the project folder`);
  if (!statSync(real).isFile()) throw new UsageError(`'${path}' is not a file`);
  if (!['.yaml', '.yml', '.json'].includes(extname(real))) throw new UsageError(`'${path}' is not an experiment file (.yaml, .yml or .json)`);
  return real;
}

/** Writes pasted YAML to `.metaorch/launch/pasted-HASH.yaml` under the project folder; returns its path. */
export function writePastedExperiment(root: string, yaml: string): string {
  const dir = join(root, '.metaorch', 'launch');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `pasted-${createHash('sha256').update(yaml).digest('hex').slice(0, 12)}.yaml`);
  writeFileAtomic(file, yaml);
  return file;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' ? false : !rel.startsWith('..') && !isAbsolute(rel);
}
