import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importUserModule } from '../adapters/module.js';
import { findAdapter } from '../adapters/registry.js';
import { readRegularFile } from '../model/files.js';
import { MAX_NESTING, tooDeep } from '../model/nesting.js';
import { resolveEnv } from './env.js';
import type { VariantSpec } from './experiment.js';
import type { IssueList } from './issue-list.js';
import { describeValue } from '../model/issue-text.js';
import { absolutiseFiles } from './load-scorers.js';
import { withFileHint } from './load-tasks.js';
import { report } from './load-head.js';
import type { ExperimentHead } from './schema.js';
import { formatPath, parseSource } from './source-map.js';
import { closest } from '../model/suggest.js';
import { expandShorthand, validateVariant } from './variants.js';

type Path = (string | number)[];

interface Entry {
  raw: Record<string, unknown>;
  dir: string;
  report: (path: Path, message: string, atKey?: boolean) => void;
}

/**
 * The variants: inline (mappings or shorthand strings) or a folder of variant files. Every variant is
 * checked, ids must be unique, and adapters with a check (module files load) run it.
 *
 * @example
 * const variants = await loadVariants(head, baseDir, list, env);
 */
export async function loadVariants(head: ExperimentHead, baseDir: string, list: IssueList, env: NodeJS.ProcessEnv): Promise<VariantSpec[]> {
  const entries: Entry[] = typeof head.variants === 'string' ? await folderEntries(head.variants, baseDir, list) : inlineEntries(head.variants, baseDir, list);
  const variants: VariantSpec[] = [];
  const ids = new Map<string, number>();
  for (const { raw, dir, report: at } of entries) {
    const { variant, issues } = validateVariant(raw, env, dir);
    for (const issue of issues) at(issue.path, issue.message, issue.atKey);
    if (!variant) continue;
    // A module variant's file is relative to where the variant was written.
    if (variant.adapter === 'module' && typeof variant.options['file'] === 'string') variant.options = absolutiseFiles(variant.options, dir);
    const check = findAdapter(variant.adapter)?.check;
    if (check) for (const issue of await check(resolveEnv(variant.options, env))) at(issue.path, withFileHint(issue.message, raw['file']));
    const first = ids.get(variant.id);
    if (first !== undefined) at(['id'], `duplicate variant id '${variant.id}' (variant ${first + 1} has it too); ids must be unique`);
    else ids.set(variant.id, variants.length);
    variants.push(variant);
  }
  return variants;
}

function inlineEntries(items: readonly unknown[], baseDir: string, list: IssueList): Entry[] {
  if (items.length === 0) list.at(['variants'], 'expected at least one variant, got an empty list');
  const entries: Entry[] = [];
  items.forEach((item, i) => {
    const at = (p: Path, m: string, atKey = false) => report(list, ['variants', i, ...p], m, atKey);
    if (typeof item === 'string') {
      const { variant, problem } = expandShorthand(item);
      if (problem) list.at(['variants', i], problem);
      // A shorthand's problems are the string's: they point at it, not at fields that are not there.
      if (variant) entries.push({ raw: variant, dir: baseDir, report: (_p, m) => list.at(['variants', i], m) });
    } else if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      entries.push({ raw: item as Record<string, unknown>, dir: baseDir, report: at });
    } else {
      list.at(['variants', i], `expected a variant: { id, adapter, ... }, or a shorthand such as openai:gpt-4o-mini, got ${describeValue(item)}`);
    }
  });
  return entries;
}

async function folderEntries(relative: string, baseDir: string, list: IssueList): Promise<Entry[]> {
  const folder = resolve(baseDir, relative);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    const siblings = existsSync(resolve(folder, '..')) ? readdirSync(resolve(folder, '..')) : [];
    const hint = closest(relative.replace(/^\.\//, '').replace(/\/$/, ''), siblings);
    list.at(['variants'], `variants folder not found: ${folder}${hint ? `; did you mean './${hint}/'?` : ''}`);
    return [];
  }
  const entries: Entry[] = [];
  const files = readdirSync(folder).filter((f) => /\.(m?[jt]s|json|ya?ml)$/.test(f) && !f.endsWith('.d.ts')).sort();
  for (const f of files) {
    const path = join(folder, f);
    for (const [name, raw] of await readVariantFile(path, list)) {
      entries.push({ raw, dir: folder, report: (p, m) => list.inFile(path, formatPath([name, ...p]), m) });
    }
  }
  if (entries.length === 0) list.at(['variants'], `no variant files in ${folder}: each file exports defineVariant({...})`);
  return entries;
}

async function readVariantFile(path: string, list: IssueList): Promise<[string, Record<string, unknown>][]> {
  let exported: Record<string, unknown>;
  try {
    if (/\.(json|ya?ml)$/.test(path)) {
      const doc = parseSource(path, readRegularFile(path));
      if (doc.errors.length) throw new Error(`YAML syntax: ${doc.errors[0]?.message ?? ''}`);
      if (tooDeep(doc.value)) throw new Error(`nested more than ${MAX_NESTING} levels deep`);
      exported = { default: doc.value };
    } else {
      exported = await importUserModule(path);
    }
  } catch (e) {
    list.inFile(path, '', `cannot load variant file: ${(e as Error).message.split('\n')[0]}`);
    return [];
  }
  const found = Object.entries(exported).filter(
    (entry): entry is [string, Record<string, unknown>] => isRecord(entry[1]) && typeof entry[1]['id'] === 'string' && 'adapter' in entry[1],
  );
  if (found.length === 0) list.inFile(path, '', 'exports no variant: expected `export default defineVariant({ id, adapter, ... })`');
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
