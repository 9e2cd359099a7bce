/**
 * Reading agents' answers: review verdicts, ballots, lists for for-each, artifact contents. Agents wrap
 * JSON in prose and code fences; these readers are tolerant of that and say precisely what was
 * missing when they fail (the message goes back to the agent on retry).
 */
import { createHash } from 'node:crypto';

/** The first JSON object (or array, when `array`) in a text, fenced or not. */
export function extractJson(text: string, array = false): unknown {
  const open = array ? '[' : '{';
  const close = array ? ']' : '}';
  const candidates: string[] = [];
  for (const m of text.matchAll(/```(?:json)?\s*\n([\s\S]*?)```/g)) candidates.push(m[1]!.trim());
  candidates.push(text.trim());
  for (const c of candidates) {
    for (let start = c.indexOf(open); start >= 0; start = c.indexOf(open, start + 1)) {
      let depth = 0;
      let inString = false;
      for (let i = start; i < c.length; i++) {
        const ch = c[i];
        if (inString) {
          if (ch === '\\') i++;
          else if (ch === '"') inString = false;
        } else if (ch === '"') inString = true;
        else if (ch === open) depth++;
        else if (ch === close && --depth === 0) {
          try {
            return JSON.parse(c.slice(start, i + 1));
          } catch {
            break;
          }
        }
      }
    }
  }
  return undefined;
}

const record = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function numberIn01(v: unknown): number | null {
  const n = typeof v === 'string' ? Number(v.replace(/%$/, '')) / (v.endsWith('%') ? 100 : 1) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) return null;
  // A reviewer that scores out of 10 (or 100) is rescaled rather than refused.
  const scaled = n > 1 && n <= 10 ? n / 10 : n > 10 && n <= 100 ? n / 100 : n;
  return scaled >= 0 && scaled <= 1 ? scaled : null;
}

export interface ReviewVerdict {
  score: number;
  notes: string;
  confidence: number | null;
}

/**
 * A review answer: `{"score": 0.8, "notes": "..."}` (also `rating`, `feedback`, `comments`).
 *
 * @example
 * parseReview('Looks fine. {"score": 0.9, "notes": "add an example"}'); // { score: 0.9, notes: 'add an example', confidence: null }
 */
export function parseReview(text: string): ReviewVerdict | { error: string } {
  const json = extractJson(text);
  if (record(json)) {
    const score = numberIn01(json['score'] ?? json['rating']);
    if (score === null) return { error: 'the review JSON has no "score" between 0 and 1' };
    const notesValue = json['notes'] ?? json['feedback'] ?? json['comments'] ?? json['summary'] ?? '';
    const notes = Array.isArray(notesValue) ? notesValue.map((n) => `- ${String(n)}`).join('\n') : String(notesValue);
    return { score, notes: notes.trim(), confidence: numberIn01(json['confidence']) };
  }
  const m = /score\s*[:=]\s*([0-9.]+%?)/i.exec(text);
  const score = m ? numberIn01(m[1]) : null;
  if (score === null) return { error: 'expected a JSON object {"score": <0 to 1>, "notes": "..."}, found none' };
  return { score, notes: text.replace(m![0], '').trim(), confidence: null };
}

export interface BallotAnswer {
  choice: string;
  confidence: number;
}

/**
 * A ballot: `{"choice": "sqlite", "confidence": 0.8}` (also `answer`, `vote`, `decision`). With
 * options, the choice must be one of them (any case).
 *
 * @example
 * parseBallot('{"choice": "SQLite", "confidence": 0.7}', ['sqlite', 'postgres']); // { choice: 'sqlite', confidence: 0.7 }
 */
export function parseBallot(text: string, options: readonly string[] | null): BallotAnswer | { error: string } {
  const json = extractJson(text);
  let raw: unknown;
  let confidence: number | null = null;
  if (record(json)) {
    raw = json['choice'] ?? json['answer'] ?? json['vote'] ?? json['decision'];
    confidence = numberIn01(json['confidence']);
  } else if (text.trim() !== '' && text.trim().length <= 80) raw = text.trim();
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
    return { error: 'expected a JSON object {"choice": "...", "confidence": <0 to 1>}' };
  }
  const said = String(raw).trim();
  if (options) {
    const match = options.find((o) => o.toLowerCase() === said.toLowerCase());
    if (!match) return { error: `the choice "${said}" is not one of: ${options.join(', ')}` };
    return { choice: match, confidence: confidence ?? 1 };
  }
  return { choice: said.toLowerCase().replace(/\s+/g, ' '), confidence: confidence ?? 1 };
}

/**
 * The items a for-each iterates: a JSON array, or the bullet/numbered items of a Markdown list. Keys
 * come from an item's `name`, `id` or `title` (or the text), made safe for ids and file names.
 *
 * @example
 * parseList('- parser\n- printer'); // [{ key: 'parser', value: 'parser' }, { key: 'printer', value: 'printer' }]
 */
export function parseList(value: unknown): { key: string; value: unknown }[] | { error: string } {
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (typeof value === 'string') {
    const json = extractJson(value, true);
    if (Array.isArray(json)) items = json;
    else {
      items = value.split('\n').map((l) => /^\s*(?:[-*+]|\d+[.)])\s+(.+)$/.exec(l)?.[1]?.trim()).filter((l): l is string => !!l);
      if (items.length === 0) return { error: 'expected a JSON array or a Markdown list (lines starting with "- ")' };
    }
  } else return { error: `expected a list, got ${typeof value}` };
  const seen = new Map<string, number>();
  return items.map((item, i) => {
    const label = record(item) ? (item['name'] ?? item['id'] ?? item['title'] ?? `item-${i + 1}`) : item;
    let key = String(label).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || `item-${i + 1}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n > 1) key = `${key}-${n}`;
    return { key, value: item };
  });
}

/** A confidence an unreviewed answer reports about itself: `{"confidence": 0.7, ...}`. */
export function selfConfidence(text: string): number | null {
  const json = extractJson(text);
  return record(json) ? numberIn01(json['confidence']) : null;
}

/**
 * What is written to an artifact file: the answer, without a code fence wrapped around all of it
 * (agents fence code even when asked for a file's content).
 *
 * @example
 * artifactContent('```js\nconsole.log(1)\n```'); // 'console.log(1)\n'
 */
export function artifactContent(answer: string): string {
  const m = /^\s*```[\w+-]*[^\n]*\n([\s\S]*?)\n?```\s*$/.exec(answer);
  const body = m ? m[1]! : answer;
  return body.endsWith('\n') ? body : `${body}\n`;
}

export const NOTES_HEADING = '## REVIEW NOTES';

/** The content without its REVIEW NOTES section (what downstream steps read, and what is hashed). */
export function stripNotes(content: string): string {
  const i = content.search(/^## REVIEW NOTES\s*$/m);
  return i < 0 ? content : content.slice(0, i).replace(/\s+$/, '\n');
}

/** SHA-256 of the content without its review notes: appending notes does not change an artifact's identity. */
export function contentHash(content: string): string {
  return createHash('sha256').update(stripNotes(content)).digest('hex');
}

/**
 * The REVIEW NOTES section: one entry per review round, newest last.
 *
 * @example
 * renderNotes([{ round: 1, score: 0.6, runtime: 'critic', notes: 'add tests' }], 0.8);
 */
export function renderNotes(reviews: readonly { round: number; score: number; runtime: string; notes: string }[], pass: number): string {
  const entries = reviews.map((r) => {
    const verdict = r.score >= pass ? 'pass' : 'needs work';
    return `### Round ${r.round}: ${r.score.toFixed(2)} (${verdict}, ${r.runtime})\n\n${r.notes || '(no notes)'}`;
  });
  return `${NOTES_HEADING}\n\n${entries.join('\n\n')}\n`;
}
