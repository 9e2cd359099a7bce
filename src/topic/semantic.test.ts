import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedServer, type FakeServer, type RecordedRequest } from '../../test/support/fake-openai-server.js';
import { Deduper } from './dedup.js';
import { EmbeddingLayer, semanticSchema } from './semantic.js';

/**
 * The embeddings layer against a real HTTP server speaking OpenAI's /v1/embeddings format: each
 * input's vector is its concept's axis (synonyms and translations share one), so the expected
 * verdicts are known.
 */

const CONCEPTS: Record<string, number> = {
  'Eiffel Tower': 0, 'Iron Lady': 0, 'La Dame de Fer': 0,
  Louvre: 1, 'Musée du Louvre': 1,
  'Notre-Dame': 2,
  'Arc de Triomphe': 3,
};

/** A unit vector on the concept's axis, slightly tilted per spelling (cosine about 0.995 between spellings). */
function vectorOf(text: string): number[] {
  const v = new Array<number>(8).fill(0);
  const axis = CONCEPTS[text] ?? 4 + (text.length % 4);
  v[axis] = 1;
  v[7 - axis] = (v[7 - axis] ?? 0) + 0.1 * (text.length % 3);
  return v;
}

const SECRET = 'sk-embed-0123456789abcdef';
let server: FakeServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function embeddingsServer(status = 200): Promise<FakeServer> {
  server = await startScriptedServer({
    basePath: '/v1',
    respond: (r: RecordedRequest) => {
      if (status !== 200) return { status, body: { error: { message: `bad key ${SECRET}` } } };
      const input = (r.body as { input: string[] }).input;
      return { body: { object: 'list', data: input.map((t, index) => ({ object: 'embedding', index, embedding: vectorOf(t) })), model: 'm' } };
    },
  });
  return server;
}

const config = (url: string, extra: Record<string, unknown> = {}) => semanticSchema.parse({ embeddings: { baseURL: url, model: 'text-embedding-3-small', ...extra } }).embeddings;

describe('EmbeddingLayer', () => {
  it('finds translations the string layers miss, keeps distinct items, one request per reply', async () => {
    const s = await embeddingsServer();
    const layer = new EmbeddingLayer(config(s.url, { threshold: 0.95, dimensions: 8 }), SECRET);
    const dedup = new Deduper({ semantic: layer });
    const reply = ['Eiffel Tower', 'Louvre', 'Iron Lady', 'Notre-Dame', 'the eiffel tower', 'La Dame de Fer', 'Musée du Louvre'];
    layer.expect(reply);
    const verdicts = [];
    for (const item of reply) verdicts.push(await dedup.offer(item));
    layer.discard(reply);
    expect(verdicts.map((v) => (v.isNew ? 'new' : `${v.layer}:${v.of ?? ''}`))).toEqual(['new', 'new', 'semantic:0', 'new', 'exact:', 'semantic:0', 'semantic:1']);
    // Every vector came with the reply's request: nothing asked one by one.
    expect(s.requests).toHaveLength(1);
    const body = s.requests[0]!.body as { model: string; input: string[]; dimensions: number };
    expect(body).toEqual({ model: 'text-embedding-3-small', input: reply, dimensions: 8 });
    expect(s.requests[0]!.path).toBe('/v1/embeddings');
    expect(s.requests[0]!.headers['authorization']).toBe(`Bearer ${SECRET}`);
    expect(layer.size).toBe(3);
    // A later spelling of a known item is matched without asking again (the exact layer knows it now).
    expect(await dedup.offer('the iron lady')).toMatchObject({ isNew: false, layer: 'exact' });
  });

  it('embeds items added on resume lazily, in batches, when the first match needs them', async () => {
    const s = await embeddingsServer();
    const layer = new EmbeddingLayer(config(s.url, { batchSize: 2 }), undefined);
    const dedup = new Deduper({ semantic: layer });
    for (const item of ['Eiffel Tower', 'Louvre', 'Notre-Dame', 'Arc de Triomphe', 'Pont Neuf']) await dedup.restore(item);
    expect(s.requests).toHaveLength(0);
    expect(await dedup.offer('Musée du Louvre')).toMatchObject({ isNew: false, layer: 'semantic', of: 1 });
    // Three batches of stored items (2 + 2 + 1), then the item itself; no key: no authorization header.
    expect(s.requests.map((r) => (r.body as { input: string[] }).input.length)).toEqual([2, 2, 1, 1]);
    expect(s.requests[0]!.headers['authorization']).toBeUndefined();
  });

  it('a failing endpoint never stops the run: items count as new, the failure is counted, the key never quoted', async () => {
    const s = await embeddingsServer(500);
    const layer = new EmbeddingLayer(config(s.url), SECRET, (t) => t.split(SECRET).join('***'));
    const dedup = new Deduper({ semantic: layer });
    expect(await dedup.offer('Eiffel Tower')).toMatchObject({ isNew: true });
    expect(await dedup.offer('Iron Lady')).toMatchObject({ isNew: true });
    expect(layer.health.errors).toBeGreaterThan(0);
    expect(layer.health.lastError).toContain('HTTP 500');
    expect(layer.health.lastError).not.toContain('sk-embed');
  });

  it('rejects a malformed answer as a counted error', async () => {
    server = await startScriptedServer({ basePath: '/v1', respond: () => ({ body: { data: [{ embedding: 'nope' }] } }) });
    const layer = new EmbeddingLayer(config(server.url), undefined);
    expect(await new Deduper({ semantic: layer }).offer('Eiffel Tower')).toMatchObject({ isNew: true });
    expect(layer.health.lastError).toContain('expected each embedding to be a list of numbers');
  });

  it('validates its settings', () => {
    expect(semanticSchema.safeParse({ embeddings: { model: 'm', threshold: 1.5 } }).success).toBe(false);
    expect(semanticSchema.safeParse({ embeddings: { baseURL: 'ftp://x', model: 'm' } }).success).toBe(false);
    expect(semanticSchema.parse({ embeddings: { model: 'm' } }).embeddings).toMatchObject({ baseURL: 'https://api.openai.com/v1', threshold: 0.9, batchSize: 64 });
  });
});
