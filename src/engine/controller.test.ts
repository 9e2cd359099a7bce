import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/cli.js';
import type { Experiment } from '../config/experiment.js';
import { controllerSchema } from '../controller/config.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { resumeRun, startRun } from './run.js';
import type { RunObserver } from './types.js';

const tasks = Array.from({ length: 30 }, (_, i) => ({ id: `t${i}`, input: { q: `question ${i}` }, expected: `answer ${i}` }));

function experiment(overrides: Partial<Experiment> = {}, controller: Record<string, unknown> = {}): Experiment {
  return {
    name: 'controlled', mode: 'continuous', seed: 5, repeats: 1, concurrency: 1, timeoutMs: 5000, retries: 0, threshold: 0.5,
    budget: { trials: 1500 }, objective: { score: 1, error: 0 }, snapshotEvery: 100, policy: { name: 'thompson', discount: 0.999 },
    variants: [
      { id: 'steady', adapter: 'mock', options: { accuracy: 0.7, failureRate: 0.02 } },
      { id: 'flaky', adapter: 'mock', options: { accuracy: 0.8, failureRate: 0.02, schedule: [{ trial: 700, failureRate: 0.7 }] } },
    ],
    scorers: [{ type: 'equals', weight: 1, options: {} }], tasks, baseDir: process.cwd(), source: '<test>',
    controller: controllerSchema.parse({ warmup: 100, quarantine: { backoff: 100_000 }, ...controller }),
    ...overrides,
  };
}

let cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});
function store(): SqliteStore {
  const { dir, cleanup } = tempDir();
  const s = SqliteStore.open(join(dir, 'c.db'));
  cleanups.push(() => s.close(), cleanup);
  return s;
}

/** A real HTTP server that records the JSON bodies POSTed to it, failing the first `failFirst` requests. */
async function webhookServer(failFirst = 0): Promise<{ url: string; bodies: unknown[]; hits: () => number }> {
  const bodies: unknown[] = [];
  let hits = 0;
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (d: string) => (text += d));
    req.on('end', () => {
      hits++;
      if (hits <= failFirst) {
        res.writeHead(503).end();
        return;
      }
      bodies.push(JSON.parse(text));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, hits: () => hits };
}

describe('the controller in the engine', () => {
  it('quarantines a variant that fails outright, records the decision with its evidence, and escalates to a webhook (retried)', async () => {
    const hook = await webhookServer(1);
    const s = store();
    const r = await startRun(experiment({}, { escalate: { webhook: hook.url, retries: 2 } }), { store: s, runId: 'q' });
    expect(r.finished).toBe(1500);
    const decisions = s.controller.list('q');
    const q = decisions.find((d) => d.kind === 'quarantine')!;
    expect(q).toMatchObject({ target: 'flaky', detector: 'failure', source: 'controller', escalate: true });
    expect((q.evidence as { statistic: number; threshold: number }).statistic).toBeGreaterThanOrEqual((q.evidence as { threshold: number }).threshold);
    const after = [...s.queries().trials('q')].filter((t) => t.seq >= 700 && t.variantId === 'flaky' && t.seq < q.fromSeq);
    expect(after.length).toBeLessThanOrEqual(20);
    // No trial goes to the quarantined variant once the decision is in force (no probes: the back-off is longer than the run).
    expect([...s.queries().trials('q')].filter((t) => t.seq >= q.fromSeq && t.variantId === 'flaky')).toEqual([]);
    expect(hook.hits()).toBe(2);
    expect(hook.bodies[0]).toMatchObject({ schemaVersion: 1, kind: 'meta-orchestrator/escalation', run: { id: 'q', name: 'controlled' }, decision: { id: q.id, kind: 'quarantine', target: 'flaky' } });
    expect(s.controller.get('q', q.id)?.delivery).toMatchObject({ status: 'sent', webhook: { attempts: 2, status: 204, error: null } });
  });

  it('logs a failed escalation without stopping the run', async () => {
    const hook = await webhookServer(100);
    const s = store();
    const r = await startRun(experiment({}, { escalate: { webhook: hook.url, retries: 1, timeout: '2s' } }), { store: s, runId: 'f' });
    expect(r).toMatchObject({ status: 'completed', finished: 1500 });
    const q = s.controller.list('f').find((d) => d.kind === 'quarantine')!;
    expect(s.controller.get('f', q.id)?.delivery).toMatchObject({ status: 'failed', webhook: { attempts: 2, status: 503, error: 'HTTP 503' } });
  });

  it('after a resume, rebuilds the same controller: the same decisions and the same choices as an uninterrupted run', async () => {
    const a = store();
    await startRun(experiment(), { store: a, runId: 'whole' });
    const b = store();
    const stop = new AbortController();
    let ended = 0;
    const stopAt: RunObserver = { onTrialEnd: () => void (++ended === 900 && stop.abort()) };
    const first = await startRun(experiment(), { store: b, runId: 'split', observers: [stopAt], stop: stop.signal });
    expect(first.status).toBe('interrupted');
    await resumeRun('split', { store: b });
    const choices = (s: SqliteStore, id: string) => [...s.queries().trials(id)].map((t) => `${t.seq}:${t.variantId}`);
    expect(choices(b, 'split')).toEqual(choices(a, 'whole'));
    const strip = (s: SqliteStore, id: string) => s.controller.list(id).map((d) => ({ ...d, recordedAt: 0, time: 0, delivery: null }));
    expect(strip(b, 'split')).toEqual(strip(a, 'whole'));
    expect(b.queries().eventsAfter(0, { runId: 'split' }).some((e) => (e.data as { action?: string }).action === 'replay-mismatch')).toBe(false);
  });

  it('applies an undo sent while the run is live, and logs it', async () => {
    const s = store();
    let asked = false;
    const undoAfterQuarantine: RunObserver = {
      onTrialEnd: () => {
        const q = s.controller.list('u').find((d) => d.kind === 'quarantine');
        if (q && !asked) {
          asked = true;
          s.controller.requestUndo('u', q.id, 'operator: let it run');
        }
      },
    };
    const slow = experiment({ budget: { trials: 1200 }, variants: experiment().variants.map((v) => ({ ...v, options: { ...v.options, latencyMs: 2 } })) });
    await startRun(slow, { store: s, runId: 'u', observers: [undoAfterQuarantine], controllerClockMs: 50 });
    const decisions = s.controller.list('u');
    const q = decisions.find((d) => d.kind === 'quarantine')!;
    const rb = decisions.find((d) => d.kind === 'rollback')!;
    expect(rb).toMatchObject({ undoes: q.id, source: 'manual', reason: 'operator: let it run' });
    expect(q.undoneBy).toBe(rb.id);
    expect(s.controller.doneCommands('u')[0]).toMatchObject({ result: `applied: decision ${rb.id}` });
  });

  it('in a grid, watches and escalates but leaves the plan alone', async () => {
    const s = store();
    const grid = experiment({ mode: 'grid', repeats: 40, budget: {}, policy: undefined, variants: [experiment().variants[0]!, { ...experiment().variants[1]!, options: { accuracy: 0.8, failureRate: 0.02, schedule: [{ trial: 1200, failureRate: 0.7 }] } }] });
    const r = await startRun(grid, { store: s, runId: 'g' });
    expect(r.finished).toBe(2 * 30 * 40);
    const decisions = s.controller.list('g');
    expect(decisions.length).toBeGreaterThan(0);
    expect(decisions.every((d) => d.kind === 'escalate')).toBe(true);
    expect(decisions[0]!.reason).toContain("this run's allocation is fixed");
  });

  it('pauses the run on a stall when told to, and the run resumes', async () => {
    const s = store();
    const stall = experiment(
      { concurrency: 2, budget: { trials: 80 }, variants: [{ id: 'slow', adapter: 'mock', options: { accuracy: 1, schedule: [{ trial: 40, latencyMs: 1500 }] } }] },
      { detectors: { noProgress: { window: '500ms', action: 'pause' } } },
    );
    const r = await startRun(stall, { store: s, runId: 'p', controllerClockMs: 100 });
    expect(r).toMatchObject({ status: 'interrupted', stopReason: 'paused' });
    const pause = s.controller.list('p').find((d) => d.kind === 'pause')!;
    expect(pause).toMatchObject({ target: 'run', detector: 'noProgress' });
    const resumed = await resumeRun('p', { store: s, controllerClockMs: 100 });
    expect(resumed.finished).toBeGreaterThan(r.finished);
  });
});
