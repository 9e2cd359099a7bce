/**
 * Curated knowledge (principles, patterns, antipatterns) kept as Markdown and loaded selectively into
 * briefs: a step names the sections it needs, by heading or by tag, and gets them within a token
 * budget. Pure functions over the files' text; reading the files is the caller's job.
 */
import { fromMarkdown } from 'mdast-util-from-markdown';

/** A heading of a knowledge file with the text under it (down to the next heading of its level or above). */
export interface KnowledgeSection {
  /** The knowledge file's name in the front matter. */
  source: string;
  heading: string;
  tags: string[];
  text: string;
  tokens: number;
}

/** Tokens are estimated at four characters each: close enough for a budget, and the same everywhere. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

const TAG = /(?:^|\s)#([A-Za-z][\w-]*)/g;

/**
 * Splits a knowledge file into sections. Tags are `#words` at the end of a heading
 * (`## Small functions #style`) or a `tags: a, b` line right under it.
 *
 * @example
 * sectionsOf('principles', '## Small functions #style\nKeep them short.');
 */
export function sectionsOf(source: string, text: string): KnowledgeSection[] {
  const tree = fromMarkdown(text);
  const headings = tree.children.filter((n) => n.type === 'heading');
  return headings.map((h, i) => {
    const start = h.position!.end.offset!;
    const next = headings.slice(i + 1).find((o) => o.depth <= h.depth);
    const end = next?.position?.start.offset ?? text.length;
    const title = text.slice(h.position!.start.offset!, start).replace(/^#+\s*/, '').trim();
    const tags = [...title.matchAll(TAG)].map((m) => m[1]!.toLowerCase());
    const heading = title.replace(TAG, '').trim();
    let body = text.slice(start, end).trim();
    const tagLine = /^tags:\s*(.+)$/im.exec(body.split('\n')[0] ?? '');
    if (tagLine) {
      tags.push(...tagLine[1]!.split(',').map((t) => t.trim().replace(/^#/, '').toLowerCase()).filter(Boolean));
      body = body.split('\n').slice(1).join('\n').trim();
    }
    const rendered = `### ${heading}\n\n${body}`;
    return { source, heading, tags, text: rendered, tokens: estimateTokens(rendered) };
  });
}

/** A selector matches a section by its heading (any case) or, written `#tag`, by a tag. */
export function matches(selector: string, section: KnowledgeSection): boolean {
  const s = selector.trim();
  if (s.startsWith('#')) return section.tags.includes(s.slice(1).toLowerCase());
  const norm = (t: string) => t.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  const [file, heading] = s.includes(':') ? s.split(':', 2) as [string, string] : [null, s];
  return (file === null || file.trim() === section.source) && norm(heading) === norm(section.heading);
}

export interface KnowledgeChoice {
  included: { source: string; heading: string; tokens: number }[];
  /** Sections that matched but did not fit the budget. */
  excluded: { source: string; heading: string; tokens: number }[];
  tokens: number;
  text: string;
}

/**
 * The sections a step asked for, in the order it asked, as long as they fit the budget (a section
 * that does not fit is skipped; a smaller later one may still fit). Each section appears once.
 *
 * @example
 * selectKnowledge(['#testing', 'Small functions'], sections, 500).included;
 */
export function selectKnowledge(selectors: string[], sections: KnowledgeSection[], budget: number): KnowledgeChoice {
  const out: KnowledgeChoice = { included: [], excluded: [], tokens: 0, text: '' };
  const taken = new Set<KnowledgeSection>();
  const parts: string[] = [];
  for (const selector of selectors) {
    for (const section of sections) {
      if (taken.has(section) || !matches(selector, section)) continue;
      taken.add(section);
      const entry = { source: section.source, heading: section.heading, tokens: section.tokens };
      if (out.tokens + section.tokens > budget) {
        out.excluded.push(entry);
        continue;
      }
      out.included.push(entry);
      out.tokens += section.tokens;
      parts.push(section.text);
    }
  }
  out.text = parts.join('\n\n');
  return out;
}
