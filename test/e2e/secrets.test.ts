import { readFileSync, existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaksSecret } from '../../src/model/redact.js';
import { REPO, runCli, tempDir, type CliResult } from '../support/cli.js';
import { startScriptedServer, type FakeServer } from '../support/fake-openai-server.js';
import { serve } from './dashboard-support.js';

/**
 * A secret canary through every output path. The key is referenced as ${CANARY_KEY} and leaked by
 * agents the ways real ones do: an exec agent's stderr tail cut at every offset of the key (and
 * through a variable whose name says it is a token), its stdout cut at every offset, a judge echoing
 * it in its reason, a module variant throwing it, an OpenAI-compatible server answering 200 with a
 * non-JSON body that starts with it. Then nothing of 6 characters or more of the key may appear in
 * the store file, the CLI's stdout and stderr, the reports, the export, or any API answer.
 */

const KEY = 'sk-Q7x9Zr2mWb4Tn8LkP3vY6hJd';
const CANARY = join(REPO, 'test/fixtures/reliability/canary.js');
const OFFSETS = Array.from({ length: KEY.length + 1 }, (_, k) => k);

let tmp: { dir: string; cleanup: () => void };
let server: FakeServer;
const outputs: { where: string; text: string }[] = [];
let run: CliResult;
let runId = '';

const env = { CANARY_KEY: KEY };
const record = (where: string, r: CliResult) => outputs.push({ where: `${where} stdout`, text: r.stdout }, { where: `${where} stderr`, text: r.stderr });

beforeAll(async () => {
  tmp = tempDir('metaorch-secrets-');
  // A server that answers 200, "application/json", with a body that is not JSON and starts with the key it was sent.
  server = await startScriptedServer({
    basePath: '/v1',
    respond: (req) => ({ raw: `${(req.headers['authorization'] ?? '').replace(/^Bearer /, '')} is not a valid request` }),
  });
  writeFileSync(join(tmp.dir, 'agent.mjs'), `export default (input) => {
  const key = process.env.CANARY_KEY;
  if (input.k % 2) throw new Error('upstream refused key ' + key.slice(input.k % 20));
  return 'my key ends with ' + key.slice(input.k % 20);
};\n`);
  const tasks = OFFSETS.map((k) => `  - { id: k${k}, k: ${k} }`).join('\n');
  writeFileSync(join(tmp.dir, 'exp.yaml'), `name: canary
retries: 0
concurrency: 8
prompt: "{{k}}"
tasks:
${tasks}
scorers:
  - type: judge
    rubric: anything
    variant: { id: judge, adapter: mock, reply: '{"score": 1, "reason": "the answer used \${CANARY_KEY}"}' }
variants:
  - { id: stderr-tail, adapter: exec, command: [node, ${JSON.stringify(CANARY)}, stderr-cut, "{{prompt}}"], env: { CANARY: "\${CANARY_KEY}" } }
  - { id: token-tail, adapter: exec, command: [node, ${JSON.stringify(CANARY)}, stderr-cut, "{{prompt}}"], env: { API_TOKEN: "\${CANARY_KEY}" } }
  - { id: stdout-cut, adapter: exec, command: [node, ${JSON.stringify(CANARY)}, stdout, "{{prompt}}"], env: { CANARY: "\${CANARY_KEY}" } }
  - { id: module, adapter: module, file: ./agent.mjs }
  - { id: openai, adapter: openai, baseURL: ${JSON.stringify(server.url)}, model: m, apiKey: "\${CANARY_KEY}" }
`);
  const db = join(tmp.dir, 'store.db');
  run = await runCli(['run', 'exp.yaml', '--db', db, '--out', 'out', '--no-progress'], { cwd: tmp.dir, env, timeoutMs: 120_000 });
  record('run', run);
  runId = /^Run (\S+)/.exec(run.stdout)?.[1] ?? '';
  for (const args of [['export', runId], ['report', runId], ['report', runId, '--format', 'json'], ['runs', '--json'], ['resume', runId]]) {
    record(args.join(' '), await runCli([...args, '--db', db], { cwd: tmp.dir, env }));
  }
  for (const f of ['summary.json', 'summary.md']) outputs.push({ where: f, text: readFileSync(join(tmp.dir, 'out', f), 'utf8') });

  const served = await serve(db, tmp.dir, env);
  try {
    const get = async (path: string) => {
      const res = await fetch(`${served.url}${path}`);
      const text = await res.text();
      outputs.push({ where: `GET ${path}`, text });
      return text;
    };
    await get('/api/runs');
    for (const route of ['', '/summary', '/live', '/series', '/events?limit=1000', '/trials?limit=200&order=asc']) await get(`/api/runs/${runId}${route}`);
    const trials = JSON.parse(await get(`/api/runs/${runId}/trials?limit=200`)) as { trials: { seq: number }[] };
    for (const t of trials.trials) await get(`/api/runs/${runId}/trials/${t.seq}`);
  } finally {
    await served.close();
  }
  // Raw bytes of the store (and its WAL if one is left): whatever any query could ever read.
  for (const f of ['store.db', 'store.db-wal']) if (existsSync(join(tmp.dir, f))) outputs.push({ where: f, text: readFileSync(join(tmp.dir, f), 'latin1') });
}, 240_000);

afterAll(async () => {
  await server?.close();
  tmp?.cleanup();
});

describe('a secret canary through every output path', () => {
  it('ran every leaking agent (the paths were really exercised)', () => {
    expect(run.code, run.stderr).toBe(0); // most trials error on purpose; the stdout-cut ones succeed
    expect(runId).not.toBe('');
    const store = outputs.find((o) => o.where === `export ${runId} stdout`)!.text;
    const doc = JSON.parse(store) as { trials: { variantId: string; status: string; output: string | null; error: string | null; scores: { reason: string }[] }[] };
    const of = (v: string) => doc.trials.filter((t) => t.variantId === v);
    expect(of('stderr-tail').every((t) => t.status === 'error' && /exited with code 1/.test(t.error ?? ''))).toBe(true);
    expect(of('stderr-tail').length).toBe(OFFSETS.length);
    expect(of('token-tail').every((t) => t.status === 'error')).toBe(true);
    expect(of('stdout-cut').every((t) => t.status === 'ok' && (t.output ?? '').startsWith('head='))).toBe(true);
    expect(of('stdout-cut').some((t) => t.scores.some((s) => /the answer used \*\*\*/.test(s.reason)))).toBe(true);
    expect(of('module').some((t) => t.status === 'error' && /upstream refused key/.test(t.error ?? ''))).toBe(true);
    expect(of('openai').every((t) => t.status === 'error' && /response body is not valid JSON/.test(t.error ?? ''))).toBe(true);
    expect(server.requests.length).toBeGreaterThanOrEqual(OFFSETS.length);
    expect(server.requests[0]?.headers['authorization']).toBe(`Bearer ${KEY}`);
  });

  it('leaves no piece of 6 characters or more of the key anywhere', () => {
    expect(outputs.length).toBeGreaterThan(2 * OFFSETS.length);
    const leaks = outputs.filter((o) => leaksSecret(o.text, [KEY])).map((o) => o.where);
    expect(leaks).toEqual([]);
  });

  it('keeps error messages of files that may hold secrets free of their contents (validate, exit 2)', async () => {
    const dir = tmp.dir;
    symlinkSync('/proc/self/environ', join(dir, 'environ.jsonl'));
    writeFileSync(join(dir, 'schema.yaml'), 'tasks: [{ q: 1 }]\nscorers: [{ type: json-schema, file: /proc/self/environ }]\nvariants: [{ id: a, adapter: mock }]\n');
    writeFileSync(join(dir, 'tasks.yaml'), 'tasks: ./environ.jsonl\nvariants: [{ id: a, adapter: mock }]\n');
    for (const file of ['schema.yaml', 'tasks.yaml']) {
      const r = await runCli(['validate', file], { cwd: dir, env });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(file === 'schema.yaml' ? /\/proc\/self\/environ: invalid JSON/ : /environ\.jsonl:1:1 invalid JSON/);
      expect(leaksSecret(r.stderr + r.stdout, [KEY]), r.stderr).toBe(false);
    }
  });
});
