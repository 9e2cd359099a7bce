import { describe, expect, it } from 'vitest';
import { EMPTY_CONTEXT, initialState, transition } from './index.js';
import { drive, planOf } from './machine.test-utils.js';

const head = (extra = '') => `---
name: t
inputs:
  request: "a flag"
runtimes:
  writer: { adapter: mock }
  critic: { adapter: mock }
  other: { adapter: mock }
defaults:
  runtime: writer
  reviewer: critic
${extra}---
`;

const REVIEWED = `${head()}
## Design

### Draft
- generate: design

Design {{request}}.

### Review
- review: design
- pass: 0.8
- rounds: 3

Check {{design}}.
`;

const review = (score: number, notes = 'n') => JSON.stringify({ score, notes });

describe('the step machine', () => {
  it('loops generate -> review until the score passes, scoring each version\'s trial with its review', () => {
    const plan = planOf(REVIEWED);
    const d = drive(plan, { answer: (role, _i, n) => (role === 'generate' ? `version ${n}` : review(n === 1 ? 0.5 : 0.9, n === 1 ? 'add detail' : 'good')) });
    expect(d.state.status).toBe('completed');
    expect(d.calls.map((c) => `${c.role} ${c.instance}`)).toEqual(['generate draft', 'review review', 'generate draft', 'review review']);
    // The second generate call is told why it is back.
    expect(JSON.parse(d.calls[2]!.brief)).toMatchObject({ feedback: expect.stringContaining('add detail'), artifact: 'design', round: 2 });
    const gen = d.trials.filter((t) => t.instance === 'draft');
    expect(gen.map((t) => [t.seq, t.score, t.passed, t.reward])).toEqual([[0, 0.5, false, 0.5], [2, 0.9, true, 0.9]]);
    expect(d.trials.filter((t) => t.instance === 'review').map((t) => t.score)).toEqual([null, null]);
    expect(d.files.get('design.md')).toMatch(/^version 2\n\n## REVIEW NOTES\n\n### Round 1: 0\.50 \(needs work, critic\)\n\nadd detail\n\n### Round 2: 0\.90 \(pass, critic\)\n\ngood\n$/);
    const draft = d.state.instances['draft']!;
    expect(draft).toMatchObject({ status: 'done', rounds: 2, score: 0.9, confidence: 0.9, attempts: 2, failures: 0, runtime: 'writer' });
    expect(draft.history.map((h) => [h.round, h.score, h.passed])).toEqual([[1, 0.5, false], [2, 0.9, true]]);
    expect(d.state.calls).toEqual({});
    expect(d.state.artifacts['design']).toMatchObject({ version: 2, content: null, notesPending: false });
  });

  it('stops the workflow when a step\'s confidence ends below minConfidence, naming the step, confidence and reason', () => {
    const plan = planOf(REVIEWED);
    const d = drive(plan, { answer: (role) => (role === 'generate' ? 'weak' : review(0.4, 'misses the error cases\nmore')) });
    expect(d.state.status).toBe('failed');
    expect(d.state.message).toBe("step 'review' has confidence 0.40, below minConfidence 0.6: misses the error cases");
    expect(d.calls.filter((c) => c.role === 'review')).toHaveLength(3);
  });

  it('retries a failing step at most `retries` times, counting the failures in the state', () => {
    const plan = planOf(REVIEWED);
    const d = drive(plan, { answer: (role) => (role === 'generate' ? new Error('503 upstream') : review(0.9)) });
    expect(d.state.status).toBe('failed');
    expect(d.state.instances['draft']).toMatchObject({ status: 'failed', failures: 4, attempts: 4 });
    expect(d.state.message).toMatch(/^step 'draft' failed after 4 failure\(s\) \(retries: 3\): writer failed: server: 503 upstream$/);
    expect(d.trials).toHaveLength(4);
    const ok = drive(plan, { answer: (role, _i, n) => (role === 'generate' && n < 3 ? new Error('flaky') : role === 'generate' ? 'fine' : review(0.95)) });
    expect(ok.state.status).toBe('completed');
    expect(ok.state.instances['draft']).toMatchObject({ failures: 2, attempts: 3 });
  });

  it('asks the reviewer again when its answer cannot be read, telling it why', () => {
    const plan = planOf(REVIEWED);
    const d = drive(plan, { answer: (role, _i, n) => (role === 'generate' ? 'v' : n === 1 ? 'looks fine to me' : review(0.9)) });
    expect(d.state.status).toBe('completed');
    expect(JSON.parse(d.calls[2]!.brief)).toMatchObject({ role: 'review', feedback: expect.stringMatching(/could not be read: expected a JSON object/) });
  });

  it('pauses at approval gates; a rejection with a note goes back to the producer, an approval continues', () => {
    const plan = planOf(`${head()}
## Spec

### Draft
- generate: spec

### Sign off
- approve: spec
- timeout: 1h
`);
    let d = drive(plan, { answer: (_r, _i, n) => `spec ${n}` });
    expect(d.state.status).toBe('awaiting-approval');
    expect(d.state.instances['sign-off']).toMatchObject({ status: 'awaiting-approval' });
    expect(d.actions.some((a) => a.type === 'await-approval' && a.instance === 'sign-off')).toBe(true);
    // An approval long past its timeout is a deadlock, escalated once.
    const late = transition(plan, d.state, { type: 'tick', now: 10_000_000 }, EMPTY_CONTEXT);
    expect(late.actions.filter((a) => a.type === 'escalate').map((a) => a.type === 'escalate' && a.escalation.kind)).toEqual(['deadlock']);
    expect(transition(plan, late.state, { type: 'tick', now: 20_000_000 }, EMPTY_CONTEXT).actions.filter((a) => a.type === 'escalate')).toEqual([]);
    d = drive(plan, { answer: (_r, _i, n) => `spec ${n}` }, { state: d.state, events: [{ type: 'approval', instance: 'sign-off', decision: 'reject', note: 'name the error codes', now: 5_000 }] });
    expect(d.state.status).toBe('awaiting-approval');
    expect(d.calls).toHaveLength(1);
    expect(JSON.parse(d.calls[0]!.brief).feedback).toBe('Rejected at "Sign off": name the error codes');
    expect(d.files.get('spec.md')).toBe('spec 1\n');
    d = drive(plan, { answer: () => 'x' }, { state: d.state, events: [{ type: 'approval', instance: 'sign-off', decision: 'approve', note: null, now: 6_000 }] });
    expect(d.state.status).toBe('completed');
    expect(d.state.instances['sign-off']).toMatchObject({ status: 'done', rounds: 1, passed: true });
  });

  it('ignores an approval for a step that is not waiting', () => {
    const plan = planOf(REVIEWED);
    const d = drive(plan, { answer: (role) => (role === 'generate' ? 'v' : review(0.9)) });
    const r = transition(plan, d.state, { type: 'approval', instance: 'draft', decision: 'approve', note: null, now: 9 }, EMPTY_CONTEXT);
    expect(r.state).toEqual({ ...d.state, updatedAt: 9 });
  });

  it('stops a vote early once the leader is established, records who dissented, and fails without consensus', () => {
    const plan = planOf(`${head()}
## Decide

### Pick
- vote: storage
- voters: [writer, critic, other]
- options: [sqlite, postgres]
- max: 9
- consensus: every
- threshold: 0.6

Which storage for {{request}}?

### Use it
- generate: plan

Plan with {{storage}}.
`);
    const d = drive(plan, { answer: (role) => (role === 'voter' ? '{"choice": "SQLite", "confidence": 0.9}' : 'plan') });
    expect(d.state.status).toBe('completed');
    const pick = d.state.instances['pick']!;
    // Four agreeing ballots: Beta(5, 1) puts 96.9% of its mass above 1/2 (>= 95%), so four suffice of nine allowed.
    expect(pick.vote).toMatchObject({ winner: 'sqlite', consensus: true, reason: 'confident' });
    expect(pick.vote!.ballots.map((b) => b.voter)).toEqual(['writer', 'critic', 'other', 'writer']);
    expect(d.trials.filter((t) => t.instance === 'pick').map((t) => t.score)).toEqual([null, null, null, null]);
    expect(d.actions.find((a) => a.type === 'vote-decided')).toMatchObject({ winner: 'sqlite', consensus: true, ballots: [{ voter: 'writer', against: false }, { voter: 'critic', against: false }, { voter: 'other', against: false }, { voter: 'writer', against: false }] });
    expect(JSON.parse(d.calls.at(-1)!.brief).values).toEqual({ storage: 'sqlite' });
    const split = drive(plan, { answer: (role, _i, n) => (role === 'voter' ? `{"choice": "${n % 2 ? 'sqlite' : 'postgres'}"}` : 'plan') });
    expect(split.state.status).toBe('failed');
    expect(split.state.message).toMatch(/^step 'pick': no consensus: 'sqlite' has 55\.6% of 9 ballot\(s\), below the threshold of 60\.0% \(sqlite: 5, postgres: 4\)$/);
  });

  it('runs for-each items and their sequences, and parallel siblings by their dependencies', () => {
    const plan = planOf(`${head('  concurrency: 8\n')}
## Build

### Parts
- generate: parts

### Each part
- for each: part in parts

#### Code
- generate: code
- file: src/{{part}}.js

Code {{part}}.

#### Check code
- review: code

### Docs and tests
- parallel: yes

#### Docs
- generate: docs

Document {{code}} and {{api}}.

#### Api
- generate: api
`);
    const d = drive(plan, { answer: (role, instance) => (role === 'review' ? review(0.9) : instance === 'parts' ? '- lexer\n- parser' : `${instance} text`) });
    expect(d.state.status).toBe('completed');
    expect([...d.files.keys()].sort()).toEqual(['api.md', 'docs.md', 'parts.md', 'src/lexer.js', 'src/parser.js']);
    const order = d.calls.map((c) => `${c.role} ${c.instance}`);
    expect(order.indexOf('generate code[lexer]')).toBeLessThan(order.indexOf('review check-code[lexer]'));
    expect(order.indexOf('generate api')).toBeLessThan(order.indexOf('generate docs'));
    const docs = JSON.parse(d.calls.find((c) => c.instance === 'docs')!.brief);
    expect(docs.artifacts).toEqual({ 'code[lexer]': 'code', 'code[parser]': 'code', api: 'api' });
  });

  it('sends a failed check back to the producer it names, with the command\'s output', () => {
    const plan = planOf(`${head()}
## Build

### Code
- generate: code
- file: main.js

### Tests
- check: node --test
- fix: code
- retries: 2
`);
    const d = drive(plan, { answer: (_r, _i, n) => `code v${n}`, check: (_i, n) => (n < 3 ? 1 : 0) });
    expect(d.state.status).toBe('completed');
    expect(d.calls.map((c) => JSON.parse(c.brief).feedback)).toEqual([null, expect.stringContaining('failure 1'), expect.stringContaining('failure 2')]);
    expect(d.state.instances['tests']).toMatchObject({ failures: 2, passed: true });
    const never = drive(plan, { answer: () => 'code', check: () => 1 });
    expect(never.state.status).toBe('failed');
    expect(never.state.message).toMatch(/^step 'tests' failed 3 time\(s\) \(retries: 2\): check `node --test` exited with 1/);
  });

  it('re-expands a for-each when a fix sends the work back before it, forgetting items of the old list', () => {
    const plan = planOf(`${head()}
## Build

### Parts
- generate: parts

### Each part
- for each: part in parts

#### Code
- generate: code
- file: src/{{part}}.js

### Tests
- check: npm test
- fix: parts
`);
    const d = drive(plan, { answer: (_r, instance, n) => (instance === 'parts' ? (n === 1 ? '["a", "b"]' : '["a", "c"]') : `code for ${instance}`), check: (_i, n) => (n === 1 ? 1 : 0) });
    expect(d.state.status).toBe('completed');
    expect(Object.keys(d.state.instances).sort()).toEqual(['code[a]', 'code[c]', 'each-part', 'parts', 'tests']);
    expect(d.state.instances['each-part']!.items!.map((i) => i.key)).toEqual(['a', 'c']);
    expect(d.state.calls).toEqual({});
    expect(d.calls.map((c) => c.instance)).toEqual(['parts', 'code[a]', 'code[b]', 'parts', 'code[a]', 'code[c]']);
  });

  it('detects thrashing and excessive rework, and escalates each once', () => {
    const plan = planOf(REVIEWED.replace('- rounds: 3', '- rounds: 8'));
    // Versions A, B, A: back and forth. Five rounds where about one is the norm: rework.
    const versions = ['A', 'B', 'A', 'C', 'D'];
    const d = drive(plan, { answer: (role, _i, n) => (role === 'generate' ? versions[n - 1]! : review(n < 5 ? 0.5 : 0.9)) });
    expect(d.state.status).toBe('completed');
    const kinds = d.actions.filter((a) => a.type === 'escalate').map((a) => (a.type === 'escalate' ? `${a.escalation.kind} ${a.escalation.target}` : ''));
    expect(kinds).toEqual(['thrashing draft', 'excessive-rework draft']);
    expect(d.state.escalations.map((e) => [e.kind, e.reason])).toEqual([
      ['thrashing', 'round 3 produced the same artifact as round 1: it went back and forth'],
      ['excessive-rework', '4 rounds and retries, above 3.0 (2x the norm of 1.00, no earlier runs)'],
    ]);
  });

  it('calls a workflow where nothing can proceed a deadlock: escalated, and stopped', () => {
    const plan = planOf(REVIEWED);
    const s0 = initialState(plan, { runId: 'r', workdir: '/w', seed: 3, force: false, now: 0 });
    let r = transition(plan, s0, { type: 'start', now: 1 }, EMPTY_CONTEXT);
    // A hand-edited state: the step claims to be running, but no call of it exists.
    const edited = structuredClone(r.state);
    edited.calls = {};
    r = transition(plan, edited, { type: 'tick', now: 2 }, EMPTY_CONTEXT);
    expect(r.state.status).toBe('failed');
    expect(r.state.message).toBe('deadlock: nothing can proceed (open: draft (running))');
    expect(r.actions.find((a) => a.type === 'escalate')).toMatchObject({ escalation: { kind: 'deadlock', target: 'workflow', evidence: { open: ['draft (running)'] } } });
  });

  it('is pure: the state passed in is unchanged, and the same events give the same state', () => {
    const plan = planOf(REVIEWED);
    const s0 = initialState(plan, { runId: 'r', workdir: '/w', seed: 3, force: false, now: 0 });
    const copy = structuredClone(s0);
    const a = transition(plan, s0, { type: 'start', now: 1 }, EMPTY_CONTEXT);
    const b = transition(plan, s0, { type: 'start', now: 1 }, EMPTY_CONTEXT);
    expect(s0).toEqual(copy);
    expect(a).toEqual(b);
  });

  it('keeps a file the user edited instead of regenerating it, and skips its review', () => {
    const plan = planOf(REVIEWED);
    const s0 = initialState(plan, { runId: 'r', workdir: '/w', seed: 3, force: false, now: 0 });
    const started = transition(plan, s0, { type: 'start', now: 1 }, EMPTY_CONTEXT);
    const prepare = started.actions.find((a) => a.type === 'prepare')!;
    expect(prepare).toMatchObject({ inspect: 'design.md' });
    const kept = transition(plan, started.state, {
      type: 'prepared', seq: 0, brief: 'b', context: { tokens: 1, chars: 1, knowledge: { included: [], excluded: [] } },
      inspection: { status: 'user-modified', sha256: 'abc' }, now: 2,
    }, EMPTY_CONTEXT);
    expect(kept.actions.some((a) => a.type === 'dispatch')).toBe(false);
    expect(kept.state.instances['draft']).toMatchObject({ status: 'done', userModified: true, attempts: 0 });
    expect(kept.state.artifacts['design']).toMatchObject({ userModified: true, sha256: 'abc' });
    expect(kept.state.status).toBe('completed');
    expect(kept.state.instances['review']).toMatchObject({ status: 'done', output: 'skipped: the artifact was edited by the user' });
    const forced = drive(plan, { answer: (role) => (role === 'generate' ? 'v' : review(0.9)) }, { force: true });
    expect(forced.state.status).toBe('completed');
  });

  it('on a resume, asks again for what was under way and nothing else', () => {
    const plan = planOf(REVIEWED);
    const s0 = initialState(plan, { runId: 'r', workdir: '/w', seed: 3, force: false, now: 0 });
    let r = transition(plan, s0, { type: 'start', now: 1 }, EMPTY_CONTEXT);
    r = transition(plan, r.state, { type: 'prepared', seq: 0, brief: 'the brief', context: { tokens: 1, chars: 1, knowledge: { included: [], excluded: [] } }, now: 2 }, EMPTY_CONTEXT);
    expect(r.actions.filter((a) => a.type === 'dispatch')).toHaveLength(1);
    // The process dies here. The resumed one re-dispatches the same call (same seq, same brief).
    const resumed = transition(plan, r.state, { type: 'start', now: 3 }, EMPTY_CONTEXT);
    expect(resumed.actions.filter((a) => a.type !== 'log' && a.type !== 'status')).toEqual([
      { type: 'dispatch', seq: 0, instance: 'draft', runtime: 'writer', taskIdx: 0, repeat: 0, seed: r.state.calls['0']!.seed, brief: 'the brief', timeoutMs: 600_000 },
    ]);
  });
});
