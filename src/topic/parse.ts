/**
 * A variant's reply to a topic request, as items: a JSON array (of strings, or of objects with a
 * name), a JSON object holding such an array, or one item per line with bullets, numbering and a
 * preamble line ("Here are 10 ...:") removed. Pure.
 */

/** What a reply yields: the items, or why none could be read. */
export type ParsedReply = { ok: true; items: string[]; format: 'json' | 'lines' } | { ok: false; reason: string };

/** Lines longer than this are prose, not items. */
export const MAX_ITEM_CHARS = 200;
const NAME_FIELDS = ['name', 'item', 'title', 'text', 'value', 'entry'];
const LIST_FIELDS = ['items', 'entries', 'results', 'list', 'data', 'answers'];
const BULLET = /^\s*(?:[-*•·‣▪◦+>]+(?=\s)|\(?\d{1,4}[.)\]:]|\(?[a-zA-Z][.)]\s|#{1,6})\s*/;

/**
 * @example
 * parseItems('1. Eiffel Tower\n2. Louvre'); // { ok: true, items: ['Eiffel Tower', 'Louvre'], format: 'lines' }
 * parseItems('["Eiffel Tower", "Louvre"]'); // { ok: true, items: [...], format: 'json' }
 * parseItems('');                          // { ok: false, reason: 'the reply is empty' }
 */
export function parseItems(reply: string): ParsedReply {
  const text = stripFence(reply).trim();
  if (text === '') return { ok: false, reason: 'the reply is empty' };
  if (text.startsWith('[') || text.startsWith('{')) {
    const json = tryJson(text);
    if (json !== undefined) {
      const items = itemsOfJson(json);
      if (items === null) return { ok: false, reason: 'the reply is JSON but holds no list of items (expected an array of strings, or of objects with a name)' };
      const cleaned = items.map(cleanItem).filter((s) => s.length > 0);
      return cleaned.length > 0 ? { ok: true, items: cleaned, format: 'json' } : { ok: false, reason: 'the reply is an empty JSON list' };
    }
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  const items: string[] = [];
  let prose = 0;
  lines.forEach((line, i) => {
    // A heading or an introduction ("Here are 10 new attractions:") is not an item.
    if (/[:：]$/.test(line) && (i === 0 || !BULLET.test(line))) return;
    const item = cleanItem(line);
    if (item.length === 0) return;
    if (item.length > MAX_ITEM_CHARS) {
      prose++;
      return;
    }
    items.push(item);
  });
  if (items.length === 0) {
    return { ok: false, reason: prose > 0 ? `the reply holds no item: ${prose} line(s) of prose longer than ${MAX_ITEM_CHARS} characters` : 'the reply holds no item' };
  }
  return { ok: true, items, format: 'lines' };
}

/**
 * One item as written: bullets and numbering removed, surrounding quotes, bold markers and a
 * trailing explanation after " - " or ": " dropped, whitespace collapsed to single spaces.
 *
 * @example
 * cleanItem('3) **Louvre Museum** - the largest art museum'); // 'Louvre Museum'
 */
export function cleanItem(raw: string): string {
  let s = raw.replace(/\s+/g, ' ').trim();
  for (let i = 0; i < 3 && BULLET.test(s); i++) s = s.replace(BULLET, '');
  s = s.replace(/^\*\*(.+?)\*\*/, '$1').replace(/^__(.+?)__/, '$1');
  s = s.replace(/\s+(?:[-–—]|:)\s+.*$/, '');
  s = s.replace(/^["'“”‘’«»`]+|["'“”‘’«»`]+$/g, '').replace(/[,;.]+$/, '').trim();
  return s;
}

/** The first `max` characters of a reply, on one line, for an error message. */
export function replyHead(reply: string, max = 120): string {
  const flat = reply.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function stripFence(text: string): string {
  const m = /^\s*```[\w-]*\s*\n([\s\S]*?)\n\s*```\s*$/.exec(text);
  return m ? m[1]! : text;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function itemsOfJson(value: unknown): string[] | null {
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (const entry of value) {
      if (typeof entry === 'string' || typeof entry === 'number') items.push(String(entry));
      else if (entry && typeof entry === 'object') {
        const field = NAME_FIELDS.find((f) => typeof (entry as Record<string, unknown>)[f] === 'string');
        if (!field) return null;
        items.push((entry as Record<string, string>)[field]!);
      } else return null;
    }
    return items;
  }
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const field = LIST_FIELDS.find((f) => Array.isArray(record[f])) ?? Object.keys(record).find((k) => Array.isArray(record[k]));
    return field === undefined ? null : itemsOfJson(record[field]);
  }
  return null;
}
