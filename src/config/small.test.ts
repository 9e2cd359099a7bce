import { describe, expect, it } from 'vitest';
import { normaliseTasks } from '../tasks/normalise.js';
import { renderTemplate, templateVariables } from '../tasks/template.js';
import { formatDuration, parseDuration } from './duration.js';
import { createRedactor, envReferences, resolveEnv, secretValues } from './env.js';

describe('durations', () => {
  it('parses units, compounds and bare seconds, and refuses anything else', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration(1.5)).toBe(1500);
    expect(parseDuration('30')).toBe(30_000);
    for (const bad of ['', 'soon', '5 minutes', '1x', -1]) expect(parseDuration(bad)).toBeNull();
    expect(formatDuration(61_000)).toBe('1m01s');
    expect(formatDuration(450)).toBe('450ms');
  });
});

describe('environment references', () => {
  it('finds, resolves and redacts them; the stored form keeps the reference', () => {
    const config = { apiKey: '${KEY_A}', nested: [{ h: 'Bearer ${KEY_B}' }], plain: 'x' };
    expect([...envReferences(config)].sort()).toEqual(['KEY_A', 'KEY_B']);
    const env = { KEY_A: 'sk-aaaa1111', KEY_B: 'tok-bbbb2222' };
    expect(resolveEnv(config, env)).toEqual({ apiKey: 'sk-aaaa1111', nested: [{ h: 'Bearer tok-bbbb2222' }], plain: 'x' });
    expect(config.apiKey).toBe('${KEY_A}');
    const redact = createRedactor(secretValues(config, env));
    expect(redact('failed with sk-aaaa1111 and tok-bbbb2222')).toBe('failed with *** and ***');
    expect(createRedactor([])('unchanged')).toBe('unchanged');
  });
});

describe('templates', () => {
  it('lists variables (dotted paths too) and renders values, objects as JSON', () => {
    expect(templateVariables('{{a}} {{ b.c }} {{a}}')).toEqual(['a', 'b.c']);
    expect(renderTemplate('Q: {{q}} ({{meta.lang}}) {{list}} {{missing}}', { q: 'x', meta: { lang: 'fr' }, list: [1, 2] })).toBe('Q: x (fr) [1,2] ');
  });
});

describe('normaliseTasks', () => {
  it('accepts nested and flat records, derives stable ids, and reports bad records by index', () => {
    const { tasks, issues } = normaliseTasks([
      { id: 7, input: { q: 'a' }, expected: 'x' },
      { q: 'b', expected: 'y', metadata: { lang: 'en' } },
      { q: 'b', expected: 'y', metadata: { lang: 'en' } },
      'not an object',
      { id: '7', q: 'dup' },
      { input: 'text' },
    ]);
    expect(tasks.map((t) => t.id)).toEqual(['7', expect.stringMatching(/^t-[0-9a-f]{12}$/), expect.stringMatching(/^t-[0-9a-f]{12}-2$/)]);
    expect(tasks[1]).toMatchObject({ input: { q: 'b' }, expected: 'y', metadata: { lang: 'en' } });
    expect(issues.map((i) => [i.index, i.path])).toEqual([[3, ''], [4, 'id'], [5, 'input']]);
    expect(issues[1]?.message).toBe("duplicate task id '7' (first used by task 1)");
  });
});
