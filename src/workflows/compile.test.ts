import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../model/errors.js';
import { compileWorkflow } from './compile.js';
import { workflowJsonSchema } from './front-matter.js';

const dir = mkdtempSync(join(tmpdir(), 'metaorch-compile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = `---
name: demo
inputs:
  request: "Add a flag"
runtimes:
  writer: { adapter: mock, reply: "text" }
  critic: { adapter: mock, reply: '{"score": 0.9}' }
defaults:
  runtime: writer
  reviewer: critic
---
`;

let n = 0;
function write(body: string, head = HEAD): string {
  const file = join(dir, `wf-${n++}.md`);
  writeFileSync(file, head + body);
  return file;
}

/** Every issue as "line: message". */
function issues(file: string): string[] {
  try {
    compileWorkflow(file, { env: {} });
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.line}: ${i.message}`);
    throw e;
  }
  return [];
}

describe('compileWorkflow', () => {
  it('compiles phases, steps, references, producers and defaults', () => {
    const file = write(`
# Title

Intro.

## Design

- outputs: design
- exit: design score >= 0.8; check-it passed

### Draft the design
- generate: design
- with: [writer, critic]

Design {{request}}.

#### Not a step: part of the prompt

### Review it
- review: design
- pass: 85%

Check {{design}}.

### Check it
- check: \`test -f design.md\`
- fix: design
`);
    const plan = compileWorkflow(file, { env: {} });
    expect(plan.name).toBe('demo');
    expect(plan.phases.map((p) => [p.id, p.steps, p.outputs])).toEqual([['design', ['draft-the-design', 'review-it', 'check-it'], ['design']]]);
    expect(plan.phases[0]!.exit).toEqual([
      { name: 'design', test: 'score', atLeast: 0.8, text: 'design score >= 0.8' },
      { name: 'check-it', test: 'passed', text: 'check-it passed' },
    ]);
    const draft = plan.steps['draft-the-design'];
    expect(draft).toMatchObject({ kind: 'generate', output: 'design', file: 'design.md', with: ['writer', 'critic'], refs: ['request'], retries: 3, minConfidence: 0.6 });
    expect(draft?.prompt).toContain('#### Not a step');
    expect(plan.steps['review-it']).toMatchObject({ kind: 'review', target: 'design', producer: 'draft-the-design', by: ['critic'], pass: 0.85, rounds: 3 });
    expect(plan.steps['check-it']).toMatchObject({ kind: 'check', command: 'test -f design.md', fixProducer: 'draft-the-design' });
    expect(plan.producers).toEqual({ design: 'draft-the-design' });
    expect(plan.description).toBe('Intro.');
  });

  it('reports every problem at once, each with its line and what was expected', () => {
    const file = write(`
## One

### Draft
- generate: draft

Use {{later}} and {{nowhere}}.

### Oops
- gen: x

### Choose
- vote: pick
- voters: [writer, ghost]

### Late
- generate: later
- with: [codex]
`);
    const got = issues(file);
    expect(got).toEqual([
      "18: {{later}} in step 'draft' is used before it is produced (by step 'late', line 27)",
      "18: {{nowhere}} in step 'draft' is not an input or an output (inputs: request; outputs: draft, pick, later)",
      "21: unknown step kind 'gen' in step 'Oops': the first field names the kind, one of generate, review, approve, vote, check, parallel, for each",
      "25: unknown runtime 'ghost' in step 'choose'; runtimes in the front matter: writer, critic",
      "29: unknown runtime 'codex' in step 'late'; runtimes in the front matter: writer, critic",
    ]);
  });

  it('finds a cycle inside a parallel group', () => {
    const file = write(`
## Build

### Together
- parallel: yes

#### Api
- generate: api

Write the API for {{docs}}.

#### Docs
- generate: docs

Document {{api}}.
`);
    expect(issues(file)).toEqual([expect.stringMatching(/^18: cycle in parallel group 'together': api -> docs -> api \(each waits for the next's output\); nothing could start$/)]);
  });

  it('lets parallel siblings use each other\'s outputs without a cycle, and checks reviews and fixes', () => {
    const ok = write(`
## Build

### Together
- parallel: yes

#### Api
- generate: api

#### Docs
- generate: docs

Document {{api}}.

#### Review api
- review: api
`);
    expect(issues(ok)).toEqual([]);
    const bad = write(`
## Build

### Review first
- review: design

### Draft
- generate: design

### Test
- check: true
- fix: nothing
`);
    expect(issues(bad)).toEqual([
      expect.stringMatching(/^16: review of 'design': a review must come after the generate step that produces it, in the same phase or group \(it is produced by 'draft', line 18\)$/),
      expect.stringMatching(/^23: fix: 'nothing' must be an artifact generated earlier in the same phase or group/),
    ]);
  });

  it('checks front matter fields against the schema with their lines', () => {
    const head = `---
name: demo
runtimes:
  writer: { adapter: mokc }
defaults:
  retries: -1
  colour: blue
---
`;
    const got = issues(write('\n## P\n\n### S\n- generate: x\n', head));
    expect(got).toEqual(expect.arrayContaining([
      '6: expected at least 0, got -1',
      "7: unknown field 'colour'",
    ]));
    const runtimes = issues(write('\n## P\n\n### S\n- generate: x\n', `---\nname: demo\nruntimes:\n  writer: { adapter: mokc }\n---\n`));
    expect(runtimes).toEqual([expect.stringMatching(/^4: unknown adapter 'mokc'; did you mean 'mock'\? \(known adapters: mock, openai, anthropic, exec, module/)]);
  });

  it('refuses a document without front matter or phases, and unset environment references', () => {
    expect(issues(write('# only a title\n', ''))).toEqual([
      '1: expected YAML front matter first: a line "---", the workflow fields (name, runtimes...), and a closing "---"',
      '1: expected at least one phase: a "## Phase name" heading followed by its steps ("### Step name")',
    ]);
    const env = write('\n## P\n\n### S\n- generate: x\n', `---\nname: demo\nruntimes:\n  w: { adapter: openai, model: m, apiKey: "\${NO_SUCH_KEY_XYZ}" }\n---\n`);
    expect(issues(env)).toContain('4: environment variable NO_SUCH_KEY_XYZ is referenced as ${NO_SUCH_KEY_XYZ} but not set');
  });

  it('requires an item variable in the file of a generate step inside a for-each, and checks the list', () => {
    const file = write(`
## Build

### Parts
- generate: parts

### Each part
- for each: part in parts

#### Code
- generate: code
- file: src/code.js

Write {{part}}.

### Each thing
- for each: thing in things

#### Other
- generate: other
`);
    expect(issues(file)).toEqual([
      expect.stringMatching(/^23: file 'src\/code.js' is the same for every part of the for each: use \{\{part\}\} in it/),
      expect.stringMatching(/^28: for each over 'things': it is not an input or an output \(inputs: request; outputs: parts, code, other\)$/),
    ]);
    const missing = write(`
## Build

### Each thing
- for each: thing in things

#### Other
- generate: other
`);
    expect(issues(missing)).toEqual([expect.stringMatching(/^16: for each over 'things': it is not an input or an output/)]);
  });

  it('ships a JSON schema of the front matter', () => {
    const schema = workflowJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'inputs', 'runtimes', 'defaults', 'knowledge']));
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'runtimes']));
  });
});
