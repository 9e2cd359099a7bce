/**
 * A scripted offline agent for the example workflow: it answers each step of `feature.md` as a capable
 * coding agent would, with no network and no model, so the example runs anywhere in seconds. Its first
 * implementation has a flaw the reviewer catches; the second round fixes it, as a real agent would
 * after reading the review notes. Replace it with `codex` or `claude` (see README.md).
 */
interface Input {
  prompt: string;
}

const step = (prompt: string): string => /This is step "([^"]+)"/.exec(prompt)?.[1] ?? '';
const revising = (prompt: string): boolean => prompt.includes('## Feedback on the previous version');

const REQUIREMENTS = `# Requirements: slugify maxLength

- R1. \`slugify(text, { maxLength })\` returns a slug of at most \`maxLength\` characters.
- R2. A shortened slug is cut at a dash, never inside a word, and has no trailing dash.
- R3. A single word longer than \`maxLength\` is cut at \`maxLength\`.
- R4. Without \`maxLength\` (or with \`maxLength: 0\`) the slug is not shortened.
- R5. Existing calls \`slugify(text)\` behave exactly as before.
`;

const DESIGN = `# Design

\`slugify(text, options = {})\` keeps its current pipeline, then shortens:

1. \`const { maxLength = 0 } = options\`; when \`maxLength <= 0\` or the slug fits, return it (R4, R5).
2. Otherwise take \`slug.slice(0, maxLength + 1)\` and cut at its last dash (R2);
   when there is none (one long word), cut at \`maxLength\` (R3).
3. Strip a trailing dash.

The module stays ESM (\`export function\`), as voted.
`;

const CODE_V1 = `/** Turns a title into a URL slug: lower case, words joined by dashes, at most maxLength characters. */
export function slugify(text, options = {}) {
  const { maxLength = 0 } = options;
  const slug = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\\u0300-\\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (maxLength <= 0 || slug.length <= maxLength) return slug;
  return slug.slice(0, maxLength);
}
`;

const CODE_V2 = `/** Turns a title into a URL slug: lower case, words joined by dashes, at most maxLength characters. */
export function slugify(text, options = {}) {
  const { maxLength = 0 } = options;
  const slug = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\\u0300-\\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (maxLength <= 0 || slug.length <= maxLength) return slug;
  // Cut at the last dash that keeps the slug within maxLength (never inside a word).
  const head = slug.slice(0, maxLength + 1);
  const cut = head.lastIndexOf('-');
  return (cut > 0 ? head.slice(0, cut) : slug.slice(0, maxLength)).replace(/-+$/, '');
}
`;

const TESTS = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slugify } from './slugify.mjs';

test('R5: without options it behaves as before', () => {
  assert.equal(slugify('Hello, World!'), 'hello-world');
  assert.equal(slugify('  Crème Brûlée  '), 'creme-brulee');
});

test('R1, R2: shortens at a dash, never inside a word', () => {
  assert.equal(slugify('The quick brown fox', { maxLength: 12 }), 'the-quick');
  assert.equal(slugify('The quick brown fox', { maxLength: 9 }), 'the-quick');
  assert.ok(slugify('The quick brown fox', { maxLength: 12 }).length <= 12);
});

test('R3: one long word is cut at maxLength', () => {
  assert.equal(slugify('Supercalifragilistic', { maxLength: 5 }), 'super');
});

test('R4: maxLength 0 or absent does not shorten', () => {
  assert.equal(slugify('a b c', { maxLength: 0 }), 'a-b-c');
  assert.equal(slugify('a b c', {}), 'a-b-c');
});
`;

/** The author: requirements, design, code and tests. */
export default function author(input: Input): string {
  const p = input.prompt;
  switch (step(p)) {
    case 'Write the requirements':
      return REQUIREMENTS;
    case 'Write the design':
      return DESIGN;
    case 'Implement':
      return revising(p) ? CODE_V2 : CODE_V1;
    case 'Write the tests':
      return TESTS;
    default:
      return `No script for this step:\n${p.slice(0, 200)}`;
  }
}

/** The reviewer: a JSON verdict on the artifact in the brief. */
export function review(input: Input): string {
  const p = input.prompt;
  if (step(p) === 'Review the code') {
    const cutsWords = p.includes('return slug.slice(0, maxLength);\n}');
    return JSON.stringify(cutsWords
      ? { score: 0.62, notes: '- R2 is not met: slice(0, maxLength) cuts inside a word ("the-quick-br").\n- Cut at the last dash within the limit; keep R3 for a single long word.' }
      : { score: 0.93, notes: '- Meets R1-R5.\n- The comment explains the cut.' });
  }
  return JSON.stringify({ score: 0.9, notes: '- Each requirement is testable.\n- Edge cases (0, one long word) are covered.' });
}
