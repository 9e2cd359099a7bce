import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Deduper } from '../../src/topic/dedup.js';
import { startAimock, type Aimock } from '../support/aimock.js';
import { CLI, cliEnv, collect, runCli, tempDir } from '../support/cli.js';
import { childrenOf, killAll, waitGone } from '../support/processes.js';
import type { ProcessesResponse } from '../../src/server/api-types.js';
import { startOrchestrator, until } from './dashboard-support.js';

/**
 * Topic mode end to end through the built CLI: `metaorch orchestrator --topic` with mock variants
 * (pool producers, the master dedups and appends), with openai variants against aimock, bad input
 * refused before anything starts, and kill -9 of the master mid-topic then resume.
 */

const cleanups: (() => void | Promise<void>)[] = [];
const pids = new Set<number>();
afterEach(async () => {
  killAll(pids);
  pids.clear();
  for (const c of cleanups.splice(0)) await Promise.resolve().then(c).catch(() => undefined);
});

function project(): string {
  const { dir, cleanup } = tempDir('metaorch-topic-');
  cleanups.push(cleanup);
  return dir;
}

const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').slice(0, -1);

/** Every line is unique to every dedup layer: a fresh deduplicator finds each of them new. */
function expectAllUnique(items: readonly string[]): void {
  const dedup = new Deduper();
  const repeated = items.filter((item) => !dedup.offerSync(item).isNew);
  expect(repeated).toEqual([]);
}

/** The items of the run's `topic` events, in item order (n), as the store holds them. */
function storedItems(db: string, runId?: string): string[] {
  const sqlite = new Database(db, { readonly: true });
  try {
    const rows = sqlite.prepare(`SELECT data FROM events WHERE type = 'topic' ${runId ? 'AND run_id = ?' : ''} ORDER BY seq`).all(...(runId ? [runId] : [])) as { data: string }[];
    const items: { n: number; text: string }[] = rows.flatMap((r) => (JSON.parse(r.data) as { new: { n: number; text: string }[] }).new);
    items.sort((a, b) => a.n - b.n);
    items.forEach((item, i) => expect(item.n).toBe(i));
    return items.map((i) => i.text);
  } finally {
    sqlite.close();
  }
}

const ORCH = ['orchestrator', '-p', '0', '--no-web', '--no-progress'];

describe('metaorch orchestrator --topic', () => {
  it('runs producers on mock vocabularies: output.txt unique line by line, output.json, metadata.json, the store, the richest variant favoured', async () => {
    const dir = project();
    const variants = join(dir, 'variants.yaml');
    writeFileSync(variants, [
      '- { id: poor, adapter: mock, topic: { vocabulary: 150, overlap: 0.3, nearDuplicates: 0.2, seed: 1 } }',
      '- { id: rich, adapter: mock, topic: { vocabulary: 3000, overlap: 0.3, nearDuplicates: 0.2, seed: 2 } }',
    ].join('\n'));
    const r = await runCli([...ORCH, '-n', '3', '--db', join(dir, 't.db'), '--topic', 'Paris attractions', '--variants', variants, '--max-requests', '240', '--batch', '8'], { cwd: dir, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const folder = join(dir, 'output', 'paris-attractions');
    const found = lines(join(folder, 'output.txt'));
    expect(found.length).toBeGreaterThan(300);
    expect(new Set(found).size).toBe(found.length);
    expectAllUnique(found);
    // Each mock item ends with its pool and position: one line per distinct item, respellings caught.
    expect(new Set(found.map((f) => f.split(' ').at(-1))).size).toBe(found.length);
    const json = JSON.parse(readFileSync(join(folder, 'output.json'), 'utf8')) as { items: { item: string; variant: string; trial: string; time: string }[] };
    expect(json.items.map((i) => i.item)).toEqual(found);
    for (const i of json.items) {
      expect(['poor', 'rich']).toContain(i.variant);
      expect(i.trial).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}\/\d+$/);
      expect(Number.isNaN(Date.parse(i.time))).toBe(false);
    }
    const meta = JSON.parse(readFileSync(join(folder, 'metadata.json'), 'utf8')) as { uniqueItems: number; settings: { batch: number }; perVariant: Record<string, { calls: number; fresh: number; uniquenessRatio: number }> };
    expect(meta.uniqueItems).toBe(found.length);
    expect(meta.settings.batch).toBe(8);
    expect(meta.perVariant['rich']!.calls + meta.perVariant['poor']!.calls).toBe(240);
    expect(meta.perVariant['rich']!.fresh + meta.perVariant['poor']!.fresh).toBe(found.length);
    expect(meta.perVariant['rich']!.calls).toBeGreaterThan(meta.perVariant['poor']!.calls);
    expect(storedItems(join(dir, 't.db'))).toEqual(found);
    // report works on the run: every trial is scored by unique-items.
    const runId = /Run (\S+) completed/.exec(r.stdout)?.[1];
    expect(runId).toBeTruthy();
    const report = await runCli(['report', runId!, '--db', join(dir, 't.db')], { cwd: dir });
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('rich');
    // The topic section: per-variant figures with the last window's band, and the weight changes judged.
    expect(report.stdout).toContain('## Topic: Paris attractions');
    expect(report.stdout).toMatch(/\| rich \| [\d,]+ \| [\d,]+ \| [\d,]+ \| [\d.]+% \|/);
    expect(report.stdout).toMatch(/\*\*Weight changes:\*\* \d+ of \d+ judged changes raised the unique rate \([\d.]+%\)/);
    const metaChanges = (JSON.parse(readFileSync(join(folder, 'metadata.json'), 'utf8')) as { weightChanges: { judged: number; raised: number; share: number } }).weightChanges;
    expect(metaChanges.judged).toBeGreaterThan(0);
    expect(report.stdout).toContain(`${metaChanges.raised} of ${metaChanges.judged} judged changes`);
    const reportJson = JSON.parse((await runCli(['report', runId!, '--db', join(dir, 't.db'), '--format', 'json'], { cwd: dir })).stdout) as { topic: { calls: number; effectiveness: { judged: number } } };
    expect(reportJson.topic.calls).toBe(240);
    expect(reportJson.topic.effectiveness.judged).toBe(metaChanges.judged);
  }, 180_000);

  it('refuses an empty topic, a batch of 0 and an unwritable output folder before anything starts (exit 2)', async () => {
    const dir = project();
    writeFileSync(join(dir, 'file'), 'x');
    const db = join(dir, 't.db');
    const empty = await runCli([...ORCH, '--db', db, '--topic', '  '], { cwd: dir });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--topic: expected a non-empty topic');
    const zero = await runCli([...ORCH, '--db', db, '--topic', 'x', '--batch', '0'], { cwd: dir });
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--batch: expected a batch of at least 1');
    const unwritable = await runCli([...ORCH, '--db', db, '--topic', 'x', '--output', join(dir, 'file', 'out')], { cwd: dir });
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toMatch(/--output: cannot write the topic folder .*ENOTDIR/);
    expect(existsSync(db)).toBe(false);
    expect(existsSync(join(dir, 'output'))).toBe(false);
  });

  it('with openai variants against aimock: items parsed from numbered lists and JSON, an unparseable reply recorded as invalid_output, the run goes on', async () => {
    const mock: Aimock = await startAimock([
      { match: { model: 'lister' }, response: { content: 'Here are new attractions:\n1. Eiffel Tower\n2. The Louvre\n3. Musée d’Orsay\n4. Sacré-Cœur', usage: { prompt_tokens: 50, completion_tokens: 20 } } },
      { match: { model: 'jsoner' }, response: { content: '["the eiffel tower", "Tour Eiffel", "Pantheon", "Louvre Museum", "Arc de Triomphe"]', usage: { prompt_tokens: 50, completion_tokens: 20 } } },
      { match: { model: 'rambler' }, response: { content: `${'I would be delighted to help you explore the wonderful city of Paris, which has so much to offer every visitor. '.repeat(3)}` } },
    ]);
    cleanups.push(() => mock.stop());
    const dir = project();
    const variants = join(dir, 'variants.yaml');
    writeFileSync(variants, ['lister', 'jsoner', 'rambler'].map((m) => `- { id: ${m}, adapter: openai, model: ${m}, baseURL: "${mock.url}/v1", retries: 0 }`).join('\n'));
    const db = join(dir, 't.db');
    const r = await runCli([...ORCH, '-n', '2', '--db', db, '--topic', 'Paris attractions', '--variants', variants, '--max-requests', '30', '--batch', '5'], { cwd: dir, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const found = lines(join(dir, 'output', 'paris-attractions', 'output.txt'));
    // First spellings kept; "the eiffel tower" and "Tour Eiffel" are Eiffel Tower, "Louvre Museum" is not The Louvre.
    expect([...found].sort()).toEqual(['Arc de Triomphe', 'Louvre Museum', 'Musée d’Orsay', 'Pantheon', 'Sacré-Cœur', 'The Louvre', found.find((f) => /eiffel/i.test(f))].sort());
    expect(['Eiffel Tower', 'the eiffel tower']).toContain(found.find((f) => /eiffel/i.test(f)));
    expectAllUnique(found);
    expect(await mock.count()).toBe(30);
    // The exclusion list went out with later requests.
    const prompts = await mock.prompts();
    expect(prompts.some((p) => p.includes('Do not repeat any of these (already found):'))).toBe(true);
    const sqlite = new Database(db, { readonly: true });
    const errors = sqlite.prepare("SELECT error FROM trials WHERE variant_id = 'rambler' AND status = 'error'").all() as { error: string }[];
    sqlite.close();
    expect(errors.length).toBeGreaterThan(0);
    const error = JSON.parse(errors[0]!.error) as { kind: string; message: string };
    expect(error.kind).toBe('invalid_output');
    expect(error.message).toContain('reply head: "I would be delighted to help you explore');
  }, 180_000);

  it('kill -9 of the master mid-topic, then resume: no item lost or doubled in output.txt', async () => {
    const dir = project();
    const variants = join(dir, 'variants.yaml');
    writeFileSync(variants, [
      '- { id: a, adapter: mock, latencyMs: 15, topic: { vocabulary: 3000, overlap: 0.2, seed: 1 } }',
      '- { id: b, adapter: mock, latencyMs: 15, topic: { vocabulary: 3000, overlap: 0.2, seed: 2 } }',
    ].join('\n'));
    const db = join(dir, 't.db');
    const child = spawn(process.execPath, [CLI, ...ORCH, '-n', '2', '--db', db, '--topic', 'Paris attractions', '--variants', variants, '--max-requests', '600'], {
      cwd: dir, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'],
    });
    pids.add(child.pid!);
    const exited = collect(child, 120_000);
    const file = join(dir, 'output', 'paris-attractions', 'output.txt');
    const deadline = Date.now() + 60_000;
    while (!(existsSync(file) && lines(file).length >= 400) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const children = childrenOf(child.pid!).map((c) => c.pid);
    children.forEach((p) => pids.add(p));
    process.kill(child.pid!, 'SIGKILL');
    await exited;
    expect(await waitGone(children, 20_000)).toEqual([]);
    const before = lines(file);
    expect(before.length).toBeGreaterThanOrEqual(400);
    const sqlite = new Database(db, { readonly: true });
    const { id } = sqlite.prepare('SELECT id FROM runs').get() as { id: string };
    sqlite.close();
    const resumed = await runCli(['resume', id, '--db', db], { cwd: dir, timeoutMs: 120_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = lines(file);
    // Nothing lost: what was found before the kill is still there, in order; nothing doubled.
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.length).toBeGreaterThan(before.length);
    expect(new Set(after).size).toBe(after.length);
    expectAllUnique(after);
    expect(storedItems(db, id)).toEqual(after);
    const trials = new Database(db, { readonly: true });
    const done = (trials.prepare("SELECT COUNT(*) AS n FROM trials WHERE run_id = ? AND status != 'scheduled'").get(id) as { n: number }).n;
    trials.close();
    expect(done).toBe(600);
  }, 180_000);

  it('a new topic from the dashboard stops the current producers and starts fresh ones (new pids), losing no item of the old topic', async () => {
    const dir = project();
    const db = join(dir, 'o.db');
    const token = 'fresh-producers-token';
    const { child, url, exited, output } = await startOrchestrator({ dir, db, token, track: (pid) => pids.add(pid) });
    const variants = ['- { id: a, adapter: mock, latencyMs: 20, topic: { vocabulary: 5000, seed: 1 } }', '- { id: b, adapter: mock, latencyMs: 20, topic: { vocabulary: 5000, seed: 2 } }'].join('\n');
    const startTopic = async (topic: string, maxRequests: number) => {
      const r = await fetch(`${url}/api/topic`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-metaorch-token': token }, body: JSON.stringify({ topic, maxRequests, batch: 5, variants }) });
      expect(r.status).toBe(200);
      return ((await r.json()) as { runId: string }).runId;
    };
    const producers = async () => ((await (await fetch(`${url}/api/processes`)).json()) as ProcessesResponse).processes.filter((p) => p.role === 'producer');
    const status = async (runId: string) => ((await (await fetch(`${url}/api/runs/${runId}`)).json()) as { run: { status: string } }).run.status;

    const first = await startTopic('Paris attractions', 100_000);
    const firstFile = join(dir, 'output', 'paris-attractions', 'output.txt');
    await until(() => existsSync(firstFile) && lines(firstFile).length >= 100, 60_000, 'items of the first topic');
    // Both producers have worked on the first topic (work done arrives with their heartbeats).
    const before = await until(async () => {
      const ps = await producers();
      return ps.length === 2 && ps.every((p) => p.state === 'ready' && p.pid !== null && p.done > 0) ? ps : null;
    }, 30_000, 'both producers at work');
    const oldPids = before.map((p) => p.pid!);

    const second = await startTopic('Famous bridges', 60);
    // The first topic stops; the second runs on fresh processes only.
    await until(async () => ((await status(first)) !== 'running' ? true : null), 60_000, 'the first topic to stop');
    await until(async () => ((await status(second)) === 'completed' ? true : null), 90_000, 'the second topic to complete');
    const after = await producers();
    expect(after).toHaveLength(2);
    for (const p of after) {
      expect(p.state).toBe('ready');
      expect(oldPids).not.toContain(p.pid);
      expect(p.lastExit?.code).toBe(0);
    }
    expect(await waitGone(oldPids, 20_000)).toEqual([]);
    expect(output()).toContain('New topic "Famous bridges": replacing the 2 producer(s) with fresh processes.');
    // The old producers finished what they held: every item of the first topic is in its file and the store.
    const firstItems = lines(firstFile);
    expect(storedItems(db, first)).toEqual(firstItems);
    expectAllUnique(firstItems);
    expect(lines(join(dir, 'output', 'famous-bridges', 'output.txt')).length).toBeGreaterThan(50);
    child.kill('SIGINT');
    expect((await exited).code).toBe(0);
  }, 240_000);

  it('the semantic layer: embeddings from aimock\'s /v1/embeddings catch translations and nicknames; the key never reaches the store or files', async () => {
    const same = Array.from({ length: 64 }, (_, i) => (i === 5 ? 1 : 0));
    const mock: Aimock = await startAimock([
      { match: { model: 'lister' }, response: { content: '1. Eiffel Tower\n2. Iron Lady\n3. Pantheon\n4. La Dame de Fer' } },
      ...['Eiffel Tower', 'Iron Lady', 'La Dame de Fer'].map((inputText) => ({ match: { inputText }, response: { embedding: same } })),
    ]);
    cleanups.push(() => mock.stop());
    const dir = project();
    const secret = 'sk-embeddings-secret-0123456789';
    const file = join(dir, 'topic.yaml');
    writeFileSync(file, [
      'mode: continuous', 'budget: { trials: 3 }', 'concurrency: 1',
      'topic:', '  name: Paris attractions', '  batch: 4',
      `  semantic: { embeddings: { baseURL: "${mock.url}/v1", model: embedder, apiKey: "\${EMBED_KEY}", threshold: 0.95, dimensions: 64, batchSize: 1 } }`,
      'variants:', `  - { id: lister, adapter: openai, model: lister, baseURL: "${mock.url}/v1", retries: 0 }`,
    ].join('\n'));
    const db = join(dir, 't.db');
    const r = await runCli([...ORCH, '-n', '1', '--db', db, file], { cwd: dir, timeoutMs: 120_000, env: { EMBED_KEY: secret } });
    expect(r.code, r.stderr).toBe(0);
    const folder = join(dir, 'output', 'paris-attractions');
    expect(lines(join(folder, 'output.txt'))).toEqual(['Eiffel Tower', 'Pantheon']);
    const sqlite = new Database(db, { readonly: true });
    const events = (sqlite.prepare("SELECT data FROM events WHERE type = 'topic' ORDER BY seq").all() as { data: string }[]).map((e) => JSON.parse(e.data) as { duplicates: { exact: number; near: number; semantic: number } });
    const dump = (sqlite.prepare('SELECT data FROM events').all() as { data: string }[]).map((e) => e.data).join('\n') + JSON.stringify(sqlite.prepare('SELECT * FROM runs').all());
    sqlite.close();
    expect(events.map((e) => e.duplicates)).toEqual([{ exact: 0, near: 0, semantic: 2 }, { exact: 4, near: 0, semantic: 0 }, { exact: 4, near: 0, semantic: 0 }]);
    const meta = JSON.parse(readFileSync(join(folder, 'metadata.json'), 'utf8')) as { semantic: { layer: string; errors: number; storedVectors: number; requests: number } };
    expect(meta.semantic).toMatchObject({ layer: 'embeddings', errors: 0, storedVectors: 2 });
    // One request per item of the first reply (batchSize 1); later replies are exact duplicates, never asked.
    const embedRequests = (await mock.requests()).filter((q) => q.path.endsWith('/embeddings'));
    expect(embedRequests).toHaveLength(4);
    expect(meta.semantic.requests).toBe(4);
    for (const text of [dump, readFileSync(join(folder, 'metadata.json'), 'utf8'), r.stdout, r.stderr]) expect(text).not.toContain('embeddings-secret');
  }, 120_000);
});
