import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Experiment } from '../../config/experiment.js';

/**
 * The experiment as workers receive it: files relative to the project folder (the orchestrator's
 * working folder), so each worker resolves them against its own `--project`; per-variant limits
 * removed (the orchestrator applies them across all workers); no executor settings.
 */
export interface PublishedRun {
  schemaVersion: 1;
  experiment: Experiment;
  publishedAt: number;
}

type FileOptions = { options: Record<string, unknown> };

/**
 * @example
 * const published = publishRun(experiment, process.cwd());
 */
export function publishRun(experiment: Experiment, projectDir: string): PublishedRun {
  const rel = (p: string) => {
    const r = relative(projectDir, p);
    return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? p : r;
  };
  const withFile = <T extends FileOptions>(x: T): T =>
    typeof x.options['file'] === 'string' ? { ...x, options: { ...x.options, file: rel(x.options['file']) } } : x;
  const { executor: _executor, ...rest } = experiment;
  return {
    schemaVersion: 1,
    publishedAt: Date.now(),
    experiment: {
      ...rest,
      baseDir: rel(experiment.baseDir),
      source: experiment.source.startsWith('<') ? experiment.source : rel(experiment.source),
      variants: experiment.variants.map(({ maxConcurrency: _m, rateLimit: _r, ...v }) => withFile(v)),
      scorers: experiment.scorers.map(withFile),
    },
  };
}

/** A file a worker could not find: which, where it looked, and who looked. */
export interface MissingFile {
  /** `variants[id]` or `scorers[i]`. */
  owner: string;
  written: string;
  resolved: string;
}

/**
 * The published experiment with its files resolved against this worker's project folder, and the
 * files that are not there.
 *
 * @example
 * const { experiment, missing } = rebaseRun(published, '/srv/project');
 */
export function rebaseRun(published: PublishedRun, projectDir: string): { experiment: Experiment; missing: MissingFile[] } {
  const missing: MissingFile[] = [];
  const at = (p: string) => (isAbsolute(p) ? p : resolve(projectDir, p));
  const fix = <T extends FileOptions>(x: T, owner: string): T => {
    const file = x.options['file'];
    if (typeof file !== 'string') return x;
    const resolved = at(file);
    if (!existsSync(resolved)) missing.push({ owner, written: file, resolved });
    return { ...x, options: { ...x.options, file: resolved } };
  };
  const e = published.experiment;
  return {
    experiment: {
      ...e,
      baseDir: at(e.baseDir),
      variants: e.variants.map((v) => fix(v, `variant ${v.id}`)),
      scorers: e.scorers.map((s, i) => fix(s, `scorer ${i + 1} (${s.type})`)),
    },
    missing,
  };
}

/**
 * `host:pid`, naming this worker in messages.
 *
 * @example
 * workerName(); // 'build-3:4242'
 */
export function workerName(): string {
  return `${hostname()}:${process.pid}`;
}
