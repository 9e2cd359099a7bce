import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../model/errors.js';
import { loadGatewayConfig } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'metaorch-gwcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(text: string): string {
  const path = join(dir, `g${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  return path;
}

async function problems(text: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  try {
    await loadGatewayConfig(file(text), env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.issues.map((i) => `${i.line ?? '-'} ${i.path}: ${i.message}`);
  }
  return [];
}

describe('gateway.yaml', () => {
  it('fills in the defaults: loopback, 10mb bodies, the default policy, 5-minute feedback waits, a breaker', async () => {
    const c = await loadGatewayConfig(file('routes:\n  - name: chat\n    variants:\n      - { id: a, adapter: mock }\n'), {});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 4000, maxBodyBytes: 10 * 1024 * 1024, storeContent: true, keys: [], defaultRoute: 0 });
    expect(c.routes[0]).toMatchObject({
      name: 'chat', policy: { name: 'gaussian-thompson', discount: 0.999 }, feedback: { waitMs: 300_000, missing: 'skip' }, fallbacks: 2,
      breaker: { failures: 5, cooldownMs: 30_000 }, storeContent: true,
    });
  });

  it('lists every problem with its line and path: variants as in experiments, keys only from ${ENV}, names', async () => {
    const found = await problems(
      [
        'keys:',
        '  - name: app',
        '    key: plain-text-key',
        '  - name: other',
        '    key: ${MISSING_KEY}',
        '    routes: [nope]',
        'routes:',
        '  - name: auto',
        '    variants:',
        '      - { id: a, adapter: nope }',
        '      - { id: b, adapter: mock }',
        '      - { id: b, adapter: mock }',
        '    policy: { name: thompsn }',
      ].join('\n'),
    );
    expect(found.join('\n')).toContain("3 keys[0].key: expected an ${ENV} reference");
    expect(found.join('\n')).toContain("6 keys[1].routes[0]: unknown route 'nope'");
    expect(found.join('\n')).toContain('MISSING_KEY is referenced');
    expect(found.join('\n')).toMatch(/10 routes\[0\]\.variants\[0\]/);
    expect(found.join('\n')).toContain("12 routes[0].variants[2].id: duplicate variant id 'b'");
    expect(found.join('\n')).toMatch(/13 routes\[0\]\.policy/);
    expect(found.join('\n')).toContain("8 routes[0].name: 'auto' is reserved");
  });

  it('never shows a secret in an error', async () => {
    const found = await problems('routes:\n  - name: chat\n    variants:\n      - { id: a, adapter: openai, model: m, apiKey: "${K}", temperature: "${K}" }\n', { K: 'sk-very-secret-123456' });
    expect(found.length).toBeGreaterThan(0);
    expect(found.join('\n')).not.toContain('sk-very-secret');
  });
});
