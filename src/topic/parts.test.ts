import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mockTopicSchema, vocabularyDrawer } from '../adapters/mock-vocabulary.js';
import { createRandom } from '../model/random.js';
import { topicSchema, topicSlug } from './config.js';
import { Deduper } from './dedup.js';
import { NearIndex } from './near-index.js';
import { exclusionList, exclusionText } from './exclusion.js';
import { checkWritable, openLedger } from './ledger.js';
import { cleanItem, parseItems, replyHead } from './parse.js';
import { rewardOf } from './session.js';

describe('parseItems', () => {
  it('reads one item per line with numbering, bullets, a preamble and explanations removed', () => {
    const reply = 'Here are 4 new attractions:\n1. Eiffel Tower\n2) **Louvre Museum** - the largest art museum\n- "Sainte-Chapelle"\n* Musée d’Orsay.';
    expect(parseItems(reply)).toEqual({ ok: true, format: 'lines', items: ['Eiffel Tower', 'Louvre Museum', 'Sainte-Chapelle', 'Musée d’Orsay'] });
  });

  it('reads JSON arrays of strings or objects, bare or in an object, inside a code fence', () => {
    expect(parseItems('["A", "B"]')).toEqual({ ok: true, format: 'json', items: ['A', 'B'] });
    expect(parseItems('```json\n{"items": [{"name": "A"}, {"name": "B"}]}\n```')).toEqual({ ok: true, format: 'json', items: ['A', 'B'] });
  });

  it('refuses replies that hold no items, with a reason', () => {
    expect(parseItems('   ')).toEqual({ ok: false, reason: 'the reply is empty' });
    expect(parseItems('{"answer": 42}')).toMatchObject({ ok: false });
    expect(parseItems('x'.repeat(300))).toMatchObject({ ok: false, reason: expect.stringContaining('prose') });
    expect(replyHead(`a\n${'b'.repeat(300)}`, 10)).toBe('a bbbbbbbb…');
    expect(cleanItem('3) **Louvre Museum** - the largest')).toBe('Louvre Museum');
  });
});

describe('topic config', () => {
  it('refuses an empty topic and a batch of 0 with what was expected', () => {
    const empty = topicSchema.safeParse({ name: '  ' });
    expect(empty.success).toBe(false);
    expect(empty.error?.issues[0]?.message).toContain('non-empty topic');
    expect(topicSchema.safeParse({ name: 'x', batch: 0 }).error?.issues[0]?.message).toContain('at least 1');
    expect(topicSlug('Paris attractions!')).toBe('paris-attractions');
    expect(topicSlug('Musées à Paris')).toBe('musees-a-paris');
  });

  it('rewards unique items per call, or per dollar', () => {
    const config = topicSchema.parse({ name: 'x', batch: 10 });
    expect(rewardOf(config, 4, 0.002)).toBe(0.4);
    expect(rewardOf({ ...config, reward: 'per-dollar', perDollar: 1000 }, 1, 0.002)).toBe(0.5);
    expect(rewardOf({ ...config, reward: 'per-dollar' }, 3, null)).toBeCloseTo(0.3);
  });
});

describe('exclusion list', () => {
  it('takes the newest items that fit in the share of the context budget', () => {
    const items = Array.from({ length: 100 }, (_, i) => `item number ${i}`);
    const list = exclusionList(items, 100, 0.25); // 100 characters
    expect(list[0]).toBe('item number 99');
    expect(list.join('\n').length).toBeLessThanOrEqual(100);
    expect(list.length).toBe(6);
    expect(exclusionList(items, 1_000_000, 1)).toHaveLength(100);
    expect(exclusionText([])).toBe('');
  });
});

describe('ledger (output.txt)', () => {
  it('appends durably, reopens with what was written, and drops a torn last line', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ledger-')), 'paris');
    const ledger = openLedger(dir);
    await Promise.all([ledger.append(['Louvre']), ledger.append(['Eiffel Tower']), ledger.append([])]);
    ledger.close();
    appendFileSync(join(dir, 'output.txt'), 'Sacré-C'); // a crash mid-write
    const again = openLedger(dir);
    expect(again.items).toEqual(['Louvre', 'Eiffel Tower']);
    again.appendSync(['Sacré-Cœur']);
    again.close();
    expect(readFileSync(join(dir, 'output.txt'), 'utf8')).toBe('Louvre\nEiffel Tower\nSacré-Cœur\n');
  });

  it('says when a folder cannot be written', () => {
    const base = mkdtempSync(join(tmpdir(), 'ledger-'));
    writeFileSync(join(base, 'file'), 'x');
    expect(checkWritable(join(base, 'ok'))).toBeNull();
    expect(checkWritable(join(base, 'file', 'sub'))).toMatch(/cannot write the topic folder .*ENOTDIR/);
  });
});

describe('mock vocabulary', () => {
  it('is seeded, skewed, overlapping as configured, and respells some draws', () => {
    const options = mockTopicSchema.parse({ vocabulary: 200, skew: 1, overlap: 0.5, nearDuplicates: 0.2, seed: 3 });
    const a = vocabularyDrawer(options).draw(2000, createRandom(1));
    expect(vocabularyDrawer(options).draw(2000, createRandom(1))).toEqual(a);
    const dedup = new Deduper();
    let respelled = 0;
    for (const item of a) {
      const v = dedup.offerSync(item);
      if (!v.isNew && v.layer === 'near') respelled++;
    }
    // All draws name at most 200 distinct items; the respellings are caught by the near layer.
    expect(dedup.size).toBeLessThanOrEqual(200);
    expect(dedup.size).toBeGreaterThan(120);
    expect(respelled).toBeGreaterThan(50);
    const numbers = new Set(a.map((s) => s.split(' ').at(-1)));
    expect(numbers.size).toBe(dedup.size);
    // Half of the vocabulary is the shared pool 0, which another variant's vocabulary shares.
    const b = vocabularyDrawer({ ...options, seed: 4 }).draw(2000, createRandom(2));
    const shared = new Set(a.filter((s) => / 0-\d+$/.test(s)).map((s) => s.split(' ').at(-1)));
    expect(b.some((s) => shared.has(s.split(' ').at(-1)))).toBe(true);
    expect(a.some((s) => / 4-\d+$/.test(s))).toBe(true);
  });
});

describe('unique-items scorer', () => {
  it('scores the share of items new in the run, near-duplicates counted as known', async () => {
    const { findScorer } = await import('../scoring/registry.js');
    const scorer = findScorer('unique-items')!.create({ near: true }, { baseDir: '.', createJudgeAdapter: () => { throw new Error('no judge'); }, judgeTimeoutMs: 1 });
    const input = (output: string) => ({ output, task: { id: 't', input: {} }, prompt: '', signal: new AbortController().signal });
    expect(await scorer.score(input('1. Louvre\n2. Eiffel Tower'))).toEqual({ score: 1, reason: '2 new of 2 items' });
    expect(await scorer.score(input('["the louvre", "Eifel Tower", "Pantheon", "Panthéon"]'))).toEqual({ score: 0.25, reason: '1 new of 4 items' });
    expect(await scorer.score(input(''))).toMatchObject({ score: 0 });
  });
});

describe('near index posting lists', () => {
  it('decode gaps of every varint width (1 to 4 bytes) in order', () => {
    const index = new NearIndex();
    // The words' trigrams are listed for items 0, 1, 200, 20,000 and 2,200,000: gaps of 1, 1, 199,
    // 19,800 and 2,180,000 take one, two, three and four bytes. Only the last is short enough to be a
    // near-duplicate of the query, so finding it means every gap before it was read right.
    const long = ['quixotic', 'zephyr', 'lorem', 'ipsum', 'dolor', 'sit', 'amet', 'consectetur'];
    const listed = new Set([0, 1, 200, 20_000]);
    for (let i = 0; i < 2_200_000; i++) index.add(listed.has(i) ? long : [`w${i}`], '');
    expect(index.find(['quixotic', 'zephyr'], '')).toBe(-1);
    expect(index.add(['quixotic', 'zephyr'], '')).toBe(2_200_000);
    expect(index.find(['quixotic', 'zephyr'], '')).toBe(2_200_000);
    expect(index.find(long, '')).toBe(0);
  }, 120_000);
});
