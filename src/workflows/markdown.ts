/**
 * Reads a workflow document's structure: the YAML front matter, then headings (## phases, ### steps,
 * deeper headings for the steps of groups), each with the `key: value` list right under it (its fields)
 * and the Markdown after that list (its prompt or description). Positions are kept so every error
 * names its line. Semantics (kinds, references, runtimes) are checked by `compile.ts`.
 */
import { createHash } from 'node:crypto';
import type { Heading, List, ListItem, RootContent } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import type { ConfigIssue } from '../model/errors.js';

/** One `key: value` item of the list under a heading. */
export interface RawField {
  key: string;
  value: string;
  line: number;
}

/** A heading with its fields, its body and (for groups) its child sections. */
export interface RawSection {
  title: string;
  depth: number;
  line: number;
  fields: RawField[];
  body: string;
  /** Line of the body's first character. */
  bodyLine: number;
  children: RawSection[];
}

export interface RawDocument {
  file: string;
  sha256: string;
  frontMatter: string | null;
  /** Line of the first front matter line (after the opening `---`). */
  frontMatterLine: number;
  title: string | null;
  intro: string;
  phases: RawSection[];
  issues: ConfigIssue[];
}

/** Keys that make a step a group: its deeper headings are child steps, not part of a prompt. */
const GROUP_KEYS = new Set(['parallel', 'for-each']);

/**
 * Splits the front matter off and walks the headings.
 *
 * @example
 * const doc = readMarkdown('feature.md', text);
 * doc.phases[0].children[0].fields; // [{ key: 'generate', value: 'design', line: 12 }]
 */
export function readMarkdown(file: string, text: string): RawDocument {
  const sha256 = createHash('sha256').update(text).digest('hex');
  const issues: ConfigIssue[] = [];
  const { frontMatter, body, bodyLine } = splitFrontMatter(text);
  if (frontMatter === null) {
    issues.push({ file, path: '', line: 1, message: 'expected YAML front matter first: a line "---", the workflow fields (name, runtimes...), and a closing "---"' });
  }
  const tree = fromMarkdown(body);
  const lineOf = (node: { position?: { start: { line: number } } }) => (node.position?.start.line ?? 1) + bodyLine - 1;
  const offsetOf = (node: RootContent, end = false) => (end ? node.position?.end.offset : node.position?.start.offset) ?? 0;
  const nodes = tree.children;
  const doc: RawDocument = { file, sha256, frontMatter, frontMatterLine: 2, title: null, intro: '', phases: [], issues };

  /** The open sections, outermost first: a phase, then groups, then possibly a leaf step. */
  const open: { section: RawSection; leaf: boolean; bodyStart: number; bodyDone: boolean }[] = [];
  let introStart: number | null = 0;
  const setBody = (section: RawSection, from: number, to: number) => {
    const raw = body.slice(from, to);
    const lead = raw.length - raw.trimStart().length;
    section.body = raw.trim();
    section.bodyLine = bodyLine + body.slice(0, from + lead).split('\n').length - 1;
  };
  const closeTo = (depth: number, at: number) => {
    while (open.length && (open[open.length - 1]?.section.depth ?? 0) >= depth) {
      const top = open.pop()!;
      if (!top.bodyDone) setBody(top.section, top.bodyStart, at);
    }
  };

  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    if (node.type !== 'heading') continue;
    const heading = node;
    const line = lineOf(heading);
    const start = offsetOf(heading);
    const leaf = open.find((o) => o.leaf);
    // Deeper headings inside a leaf step belong to its prompt.
    if (leaf && heading.depth > leaf.section.depth) continue;
    if (introStart !== null && heading.depth >= 2) {
      doc.intro = body.slice(introStart, start).trim();
      introStart = null;
    }
    if (heading.depth === 1) {
      closeTo(1, start);
      if (doc.title !== null || doc.phases.length) issues.push({ file, path: '', line, message: 'expected one "# title" at most, before the first phase; phases are "## headings"' });
      doc.title = headingText(body, heading);
      introStart = offsetOf(heading, true);
      continue;
    }
    const next = nodes[i + 1];
    const fieldList = next?.type === 'list' && isFieldList(body, next) ? next : null;
    const fields = fieldList ? readFields(body, fieldList, lineOf) : [];
    const section: RawSection = { title: headingText(body, heading), depth: heading.depth, line, fields, body: '', bodyLine: line, children: [] };
    const bodyStart = fieldList ? offsetOf(fieldList, true) : offsetOf(heading, true);
    if (heading.depth === 2) {
      closeTo(2, start);
      doc.phases.push(section);
      open.push({ section, leaf: false, bodyStart, bodyDone: false });
      continue;
    }
    closeTo(heading.depth, start);
    const parent = open[open.length - 1];
    if (!parent) {
      issues.push({ file, path: '', line, message: `a step heading (${'#'.repeat(heading.depth)}) must be inside a phase: add a "## Phase" heading above it` });
      continue;
    }
    if (heading.depth !== parent.section.depth + 1) {
      const expected = '#'.repeat(parent.section.depth + 1);
      const what = parent.section.depth === 2 ? `the steps of phase '${parent.section.title}'` : `the steps of group '${parent.section.title}'`;
      issues.push({ file, path: '', line, message: `expected a "${expected}" heading for ${what}, got "${'#'.repeat(heading.depth)}"` });
      continue;
    }
    if (parent.leaf) continue;
    // A phase's or group's body is its description: the text before its first step.
    if (!parent.bodyDone) {
      setBody(parent.section, parent.bodyStart, start);
      parent.bodyDone = true;
    }
    parent.section.children.push(section);
    const isGroup = fields.some((f) => GROUP_KEYS.has(f.key));
    open.push({ section, leaf: !isGroup, bodyStart, bodyDone: false });
  }
  closeTo(0, body.length);
  if (introStart !== null) doc.intro = body.slice(introStart).trim();
  if (doc.phases.length === 0) issues.push({ file, path: '', line: bodyLine, message: 'expected at least one phase: a "## Phase name" heading followed by its steps ("### Step name")' });
  return doc;
}

function headingText(source: string, heading: Heading): string {
  const first = heading.children[0];
  const last = heading.children[heading.children.length - 1];
  if (!first?.position || !last?.position) return '';
  return source.slice(first.position.start.offset, last.position.end.offset).trim();
}

const FIELD = /^([A-Za-z][A-Za-z0-9 _-]{0,40}?)\s*:\s*([\s\S]*)$/;

/** A list is a field list when its first item reads `key: value`. */
function isFieldList(source: string, list: List): boolean {
  const first = list.children[0];
  return first !== undefined && FIELD.test(itemText(source, first));
}

function readFields(source: string, list: List, lineOf: (n: ListItem) => number): RawField[] {
  return list.children.map((item) => {
    const text = itemText(source, item);
    const m = FIELD.exec(text);
    if (!m) return { key: '', value: text, line: lineOf(item) };
    return { key: m[1]!.trim().toLowerCase().replace(/[\s_]+/g, '-'), value: unquoteCode(m[2]!.trim()), line: lineOf(item) };
  });
}

/** The item's text without its bullet, continuation lines joined. */
function itemText(source: string, item: ListItem): string {
  const start = item.children[0]?.position?.start.offset;
  const end = item.children[item.children.length - 1]?.position?.end.offset;
  if (start === undefined || end === undefined) return '';
  return source.slice(start, end).replace(/\n\s*/g, ' ').trim();
}

/** `` `npm test` `` -> `npm test`: values may be written as inline code. */
function unquoteCode(value: string): string {
  const m = /^`([^`]*)`$/.exec(value);
  return m ? m[1]! : value;
}

/** The front matter between a first line `---` and the next `---` line. */
function splitFrontMatter(text: string): { frontMatter: string | null; body: string; bodyLine: number } {
  const normalised = text.replace(/^\uFEFF/, '');
  const m = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(normalised);
  if (!m) return { frontMatter: null, body: normalised, bodyLine: 1 };
  const consumed = m[0];
  const lines = consumed.split('\n').length - (consumed.endsWith('\n') ? 1 : 0);
  return { frontMatter: m[1]!, body: normalised.slice(consumed.length), bodyLine: lines + 1 };
}
