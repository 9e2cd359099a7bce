import * as z from 'zod';
import type { SemanticLayer } from './dedup.js';

/**
 * The `semantic:` part of a topic block: the optional third dedup layer. `embeddings` asks an
 * OpenAI-compatible `/v1/embeddings` endpoint for a vector per item; an item whose cosine similarity
 * to a stored item reaches `threshold` is a duplicate of it (translations, synonyms: "Tour Eiffel").
 */
export const semanticSchema = z.strictObject({
  embeddings: z.strictObject({
    baseURL: z.url({ protocol: /^https?$/ }).default('https://api.openai.com/v1').describe('Base URL of an OpenAI-compatible server, including /v1 (POST {baseURL}/embeddings).'),
    model: z.string().min(1).describe('Embedding model, e.g. text-embedding-3-small.'),
    apiKey: z.string().min(1).optional().describe('API key, normally a reference such as ${OPENAI_API_KEY} (sent as a Bearer token; none when absent).'),
    threshold: z.number().gt(0).max(1).default(0.9).describe('Cosine similarity at or above which two items are the same (0..1, default 0.9).'),
    dimensions: z.number().int().positive().max(8192).optional().describe('Ask the model for shorter vectors (text-embedding-3 models): less memory, faster comparisons.'),
    batchSize: z.number().int().min(1).max(2048).default(64).describe('Items per embeddings request (a reply\'s items go in one request when they fit).'),
    timeoutMs: z.number().int().positive().max(600_000).default(30_000).describe('Per request, in ms.'),
  }).describe('Embeddings from an OpenAI-compatible /v1/embeddings endpoint.'),
});

export type SemanticConfig = z.output<typeof semanticSchema>;
type EmbeddingsConfig = SemanticConfig['embeddings'];

/** What went wrong with the layer so far (its calls failing never stops the run: items count as new). */
export interface SemanticHealth {
  requests: number;
  errors: number;
  lastError: string | null;
}

/**
 * The embeddings semantic layer. Vectors are unit-normalised and kept in one growing Float32Array
 * (dimensions x 4 bytes per stored item); `match` compares an item with every stored one. Items told
 * through `add` are embedded lazily, in batches, when the next `match` needs them (so a resume that
 * re-adds every item of output.txt costs one request per batch, not one per item). A failed request
 * is counted and its items are treated as new (the string layers already said so); the run goes on.
 *
 * @example
 * const layer = new EmbeddingLayer({ baseURL: 'http://localhost:4010/v1', model: 'text-embedding-3-small', threshold: 0.9, batchSize: 64, timeoutMs: 30000 }, process.env.OPENAI_API_KEY);
 * new Deduper({ semantic: layer });
 */
export class EmbeddingLayer implements SemanticLayer {
  readonly name = 'embeddings';
  readonly health: SemanticHealth = { requests: 0, errors: 0, lastError: null };
  private vectors = new Float32Array(0);
  private dims = 0;
  private stored = 0;
  /** Item number of each stored row. */
  private numbers: number[] = [];
  /** Items told by add() whose vectors are not fetched yet. */
  private pending: { text: string; n: number }[] = [];
  /** Vectors fetched (with a reply's first new item) and not yet stored or discarded. */
  private readonly cache = new Map<string, Float32Array | null>();
  private chain: Promise<unknown> = Promise.resolve();
  private upcoming: readonly string[] = [];

  constructor(
    private readonly config: EmbeddingsConfig,
    private readonly apiKey: string | undefined,
    private readonly redact: (text: string) => string = (t) => t,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  /** Stored vectors. */
  get size(): number {
    return this.stored;
  }

  /**
   * The items about to be offered (a reply's): the first one the string layers find new fetches the
   * vectors of the rest with it, in one request. A reply the string layers find all known costs none.
   */
  expect(texts: readonly string[]): void {
    this.upcoming = texts;
  }

  /** Forgets the vectors fetched for items that were not stored (duplicates by spelling). */
  discard(texts: readonly string[]): void {
    for (const t of texts) this.cache.delete(t);
    this.upcoming = [];
  }

  /** Runs `f` after every earlier call of `serial` has finished: a reply's items are decided together, in order. */
  serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.chain.then(f);
    this.chain = run.catch(() => undefined);
    return run;
  }

  async match(item: string): Promise<number | null> {
    await this.flushPending();
    const v = await this.vectorOf(item);
    if (!v || this.stored === 0 || v.length !== this.dims) return null;
    let best = -Infinity;
    let at = -1;
    const d = this.dims;
    for (let r = 0; r < this.stored; r++) {
      let dot = 0;
      const o = r * d;
      for (let k = 0; k < d; k++) dot += v[k]! * this.vectors[o + k]!;
      if (dot > best) {
        best = dot;
        at = r;
      }
    }
    return best >= this.config.threshold ? this.numbers[at]! : null;
  }

  add(item: string, n: number): Promise<void> {
    const v = this.cache.get(item);
    if (v === undefined) this.pending.push({ text: item, n });
    else {
      this.cache.delete(item);
      if (v) this.append(v, n);
    }
    return Promise.resolve();
  }

  private async vectorOf(item: string): Promise<Float32Array | null> {
    const cached = this.cache.get(item);
    if (cached !== undefined) return cached;
    const batch = [item, ...new Set(this.upcoming.filter((t) => t !== item && !this.cache.has(t)))].slice(0, this.config.batchSize);
    const vectors = await this.embedAll(batch);
    batch.forEach((t, i) => this.cache.set(t, vectors[i] ?? null));
    return vectors[0] ?? null;
  }

  private async flushPending(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.config.batchSize);
      const vectors = await this.embedAll(batch.map((b) => b.text));
      batch.forEach((b, i) => {
        const v = vectors[i];
        if (v) this.append(v, b.n);
      });
    }
  }

  private append(v: Float32Array, n: number): void {
    if (this.dims === 0) this.dims = v.length;
    if (v.length !== this.dims) return;
    if ((this.stored + 1) * this.dims > this.vectors.length) {
      const grown = new Float32Array(Math.max(this.dims * 64, this.vectors.length * 2));
      grown.set(this.vectors);
      this.vectors = grown;
    }
    this.vectors.set(v, this.stored * this.dims);
    this.numbers.push(n);
    this.stored++;
  }

  /** Vectors for the texts (null for each when their request failed), batchSize per request. */
  private async embedAll(texts: readonly string[]): Promise<(Float32Array | null)[]> {
    const out: (Float32Array | null)[] = [];
    for (let i = 0; i < texts.length; i += this.config.batchSize) {
      const batch = texts.slice(i, i + this.config.batchSize);
      try {
        out.push(...(await this.request(batch)));
      } catch (error) {
        this.health.errors++;
        this.health.lastError = this.redact(error instanceof Error ? error.message : String(error));
        out.push(...batch.map(() => null));
      }
    }
    return out;
  }

  private async request(input: readonly string[]): Promise<Float32Array[]> {
    this.health.requests++;
    const url = `${this.config.baseURL.replace(/\/+$/, '')}/embeddings`;
    const response = await this.fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) },
      body: JSON.stringify({ model: this.config.model, input, ...(this.config.dimensions ? { dimensions: this.config.dimensions } : {}) }),
      signal: AbortSignal.timeout(this.config.timeoutMs),
    });
    // The body is never quoted: it may echo the request (and a provider's error may hold secrets).
    if (!response.ok) throw new Error(`embeddings request to ${url} failed with HTTP ${response.status}`);
    const body = (await response.json().catch(() => null)) as { data?: { index?: number; embedding?: unknown }[] } | null;
    const data = body?.data;
    if (!Array.isArray(data) || data.length !== input.length) throw new Error(`embeddings answer from ${url}: expected data with ${input.length} embedding(s)`);
    const vectors: Float32Array[] = new Array<Float32Array>(input.length);
    data.forEach((d, i) => {
      if (!Array.isArray(d.embedding) || d.embedding.length === 0 || !d.embedding.every((x) => typeof x === 'number')) {
        throw new Error(`embeddings answer from ${url}: expected each embedding to be a list of numbers`);
      }
      const at = typeof d.index === 'number' ? d.index : i;
      if (!Number.isInteger(at) || at < 0 || at >= input.length) throw new Error(`embeddings answer from ${url}: index ${at} out of range`);
      vectors[at] = unit(d.embedding as number[]);
    });
    if (vectors.some((v) => v === undefined)) throw new Error(`embeddings answer from ${url}: an input has no embedding`);
    return vectors;
  }
}

/** The vector scaled to length 1 (cosine similarity is then a dot product). */
function unit(values: number[]): Float32Array {
  let norm = 0;
  for (const x of values) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  return Float32Array.from(values, (x) => x / norm);
}
