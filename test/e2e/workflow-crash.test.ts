import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAimock, type Aimock } from '../support/aimock.js';
import { runCli, startCli, tempDir } from '../support/cli.js';

/**
 * Durability of workflows under `kill -9`: the real `metaorch workflow run` is killed at seeded random
 * moments and resumed with `metaorch workflow resume` each time. After every kill, state.json says
 * which steps are done; the mock LLM server's journal counts the calls each step made. A step done
 * at a kill must never be called again afterwards (no tokens paid twice); the one in flight is re-run.
 */

const SEED = Number(process.env['CRASH_SEED'] ?? 20_261_201);
const KILLS = 7;
const PARTS = ['lexer', 'parser', 'printer'];

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let mock: Aimock;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('metaorch-wf-crash-'));
  mock = await startAimock([
    { match: { userMessage: 'MARK-PARTS' }, response: { content: JSON.stringify(PARTS) }, latencyMs: 120 },
    { match: { userMessage: 'MARK-REVIEW' }, response: { content: '{"score": 0.9, "notes": "fine"}' }, latencyMs: 120 },
    { match: {}, response: { content: 'some generated text', usage: { prompt_tokens: 50, completion_tokens: 10 } }, latencyMs: 150 },
  ]);
});

afterAll(async () => {
  await mock?.stop();
  cleanup?.();
});

function document(): string {
  const steps = Array.from({ length: 6 }, (_, i) => `
### Step ${i}
- generate: s${i}

MARK-S${i}: write part ${i}.
`).join('');
  return `---
name: crash
runtimes:
  writer: { adapter: openai, model: gpt-test, baseURL: "${mock.url}/v1", apiKey: sk-test }
defaults:
  concurrency: 2
  timeout: 20s
---

## Plan
${steps}
### Review step 5
- review: s5

MARK-REVIEW of {{s5}}.

### Parts
- generate: parts

MARK-PARTS: list them.

## Build

### Each part
- for each: part in parts

#### Code
- generate: code
- file: code-{{part}}.md

MARK-CODE-{{part}}: write it.

### Side by side
- parallel: yes

#### Docs
- generate: docs

MARK-DOCS: document.

#### Notes
- generate: notes

MARK-NOTES: notes.
`;
}

/** The marker each step instance puts in its brief. */
function markerOf(instance: string): string {
  const part = /^code\[(.+)\]$/.exec(instance);
  if (part) return `MARK-CODE-${part[1]}:`;
  if (instance === 'review-step-5') return 'MARK-REVIEW';
  if (/^step-\d$/.test(instance)) return `MARK-S${instance.slice(5)}:`;
  return `MARK-${instance.toUpperCase()}:`;
}

interface Snapshot {
  status: string;
  done: string[];
}

function readState(file: string): Snapshot {
  const s = JSON.parse(readFileSync(file, 'utf8')) as { status: string; instances: Record<string, { status: string; trials: number[] }> };
  const leaf = (id: string) => !['each-part', 'side-by-side'].includes(id.replace(/\[.*$/, ''));
  return { status: s.status, done: Object.entries(s.instances).filter(([id, i]) => i.status === 'done' && leaf(id)).map(([id]) => id) };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('workflow kill -9 and resume', () => {
  it(`never calls a step again once it is done, and finishes every step (seed ${SEED})`, async () => {
    const file = join(dir, 'crash.md');
    writeFileSync(file, document());
    const db = join(dir, 'crash.db');
    const rand = seeded(SEED);
    let runId: string | undefined;
    /** Calls counted at the mock, per done instance, when it was first seen done after a kill. */
    const frozen = new Map<string, number>();
    const countsNow = async () => {
      const prompts = await mock.prompts();
      return (instance: string) => prompts.filter((p) => p.includes(markerOf(instance))).length;
    };
    let kills = 0;
    for (let attempt = 0; kills < KILLS && attempt < KILLS * 3; attempt++) {
      const args = runId === undefined ? ['workflow', 'run', file, '--db', db, '--workdir', join(dir, 'work'), '--no-progress'] : ['workflow', 'resume', runId, '--db', db, '--no-progress'];
      const before = (await mock.requests()).length;
      const child = startCli(args, { cwd: dir });
      let out = '';
      child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
      let over = false;
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => {
        over = true;
        r(code);
      }));
      // Most kills land mid-call (up to 300 ms after this process's first call reached the mock);
      // every third lands anywhere in the first 2.5 s (start-up, recovery, or work). Start-up alone
      // takes 0.5-5 s on a loaded 2-core machine, hence waiting for a call rather than a fixed delay.
      const anytime = runId !== undefined && attempt % 3 === 2;
      if (anytime) await Promise.race([sleep(rand() * 2500), exited]);
      else {
        while (!over && (await mock.requests()).length === before) await sleep(20);
        await Promise.race([sleep(rand() * 300), exited]);
      }
      if (over) break;
      child.kill('SIGKILL');
      await exited;
      runId ??= /run (\S+)\. Store/.exec(out)?.[1];
      if (runId === undefined) continue;
      const stateFile = join(dir, 'workflows', runId, 'state.json');
      if (!existsSync(stateFile)) continue;
      kills++;
      const snap = readState(stateFile);
      const count = await countsNow();
      for (const id of snap.done) if (!frozen.has(id)) frozen.set(id, count(id));
      if (snap.status === 'completed') break;
    }
    expect(runId).toBeDefined();
    const final = await runCli(['workflow', 'resume', runId!, '--db', db, '--no-progress'], { cwd: dir, timeoutMs: 120_000 });
    expect(final.code, final.stdout + final.stderr).toBe(0);
    const end = readState(join(dir, 'workflows', runId!, 'state.json'));
    expect(end.status).toBe('completed');
    const count = await countsNow();
    const expected = ['step-0', 'step-1', 'step-2', 'step-3', 'step-4', 'step-5', 'review-step-5', 'parts', ...PARTS.map((p) => `code[${p}]`), 'docs', 'notes'];
    expect(end.done.sort()).toEqual([...expected].sort());
    // The heart of it: nothing done before a kill was called again after it.
    for (const [id, n] of frozen) expect(count(id), `calls of ${id} (done at a kill with ${n})`).toBe(n);
    expect(kills, 'processes killed').toBeGreaterThanOrEqual(3);
    expect(frozen.size, 'kills landed after some steps were done').toBeGreaterThan(0);
    // Every step was called at least once, and a step was called twice only if a kill interrupted it.
    for (const id of expected) expect(count(id), id).toBeGreaterThanOrEqual(1);

    // The store agrees: every trial recorded once and finished, one per call that completed.
    const d = new Database(db, { readonly: true });
    const trials = d.prepare("SELECT status, COUNT(*) AS n FROM trials WHERE run_id = ? GROUP BY status").all(runId) as { status: string; n: number }[];
    const integrity = d.pragma('integrity_check', { simple: true });
    d.close();
    expect(integrity).toBe('ok');
    // Calls in flight at a kill ran again under the same trial id: none is left unfinished.
    expect(trials.filter((t) => t.status === 'scheduled'), 'trials left in flight').toEqual([]);
    expect(trials.find((t) => t.status === 'ok')!.n).toBeGreaterThanOrEqual(expected.length);
  }, 300_000);
});
