/**
 * Launch: an experiment file of the project folder, or pasted YAML, validated exactly as the CLI does
 * (errors shown in place, on their lines), then run in a child process; the live page opens.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConfigIssueItem, FilesResponse, LaunchResponse, SessionResponse, ValidateResponse } from '../../../src/server/api-types.js';
import { api, ApiFailure, getToken, setToken } from '../api.js';
import { Empty, ErrorBox, Loading, Section } from '../components/ui.js';
import { fmt } from '../format.js';
import { navigate, patchQuery, type Route } from '../route.js';

const EXAMPLE = `name: my-experiment
mode: grid
seed: 1
tasks:
  - { id: france, input: { country: France }, expected: Paris }
  - { id: japan, input: { country: Japan }, expected: Tokyo }
prompt: "What is the capital of {{country}}?"
variants:
  - { id: mock-a, adapter: mock, accuracy: 0.7, latencyMs: 50 }
  - { id: mock-b, adapter: mock, accuracy: 0.9, latencyMs: 120 }
`;

export function LaunchPage({ route }: { route: Route }) {
  const [session, setSession] = useState<SessionResponse | null>(null);
  const [tokenTick, setTokenTick] = useState(0);
  useEffect(() => {
    api.get<SessionResponse>('/api/session').then(setSession, () => setSession(null));
  }, [tokenTick]);
  if (!session) return <div class="page"><Loading /></div>;
  if (!session.authorized) return <TokenGate onToken={() => setTokenTick((t) => t + 1)} hadToken={getToken() !== null} />;
  return <Launcher route={route} />;
}

function TokenGate({ onToken, hadToken }: { onToken: () => void; hadToken: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <div class="page narrow">
      <h1>Launch a run</h1>
      <div class="card">
        <p>
          Launching and stopping runs needs the token that <code>metaorch serve</code> printed when it started (the link it printed carries it).
          {hadToken && <strong class="bad"> The saved token is not this server's.</strong>}
        </p>
        <form class="token-form" onSubmit={(e) => { e.preventDefault(); setToken(input.current?.value.trim() || null); onToken(); }}>
          <input ref={input} placeholder="paste the token" aria-label="Token" data-testid="token-input" />
          <button class="btn btn-primary" type="submit">Continue</button>
        </form>
      </div>
    </div>
  );
}

function Launcher({ route }: { route: Route }) {
  const mode = route.query.get('source') === 'paste' ? 'paste' : 'file';
  const file = route.query.get('file') ?? '';
  const [files, setFiles] = useState<FilesResponse | null>(null);
  const [content, setContent] = useState<string | null>(null);
  const [yaml, setYaml] = useState(EXAMPLE);
  const [validation, setValidation] = useState<ValidateResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'validate' | 'launch' | null>(null);
  const [filter, setFilter] = useState('');

  useEffect(() => {
    api.get<FilesResponse>('/api/files').then(setFiles, setError);
  }, []);
  const body = () => (mode === 'paste' ? { yaml } : { file });
  const validate = async () => {
    if (mode === 'file' && !file) return;
    setBusy('validate');
    setError(null);
    try {
      setValidation(await api.post<ValidateResponse>('/api/validate', body()));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  useEffect(() => {
    setValidation(null);
    setContent(null);
    if (mode === 'file' && file) {
      api.get<{ content: string }>(`/api/files/content?path=${encodeURIComponent(file)}`).then((r) => setContent(r.content), setError);
      void validate();
    }
  }, [mode, file]);
  const launch = async () => {
    setBusy('launch');
    setError(null);
    try {
      const r = await api.post<LaunchResponse>('/api/launch', body());
      navigate(`/runs/${encodeURIComponent(r.runId)}`);
    } catch (e) {
      if (e instanceof ApiFailure && e.issues.length) setValidation({ ok: false, issues: e.issues, experiment: null, command: validation?.command ?? '', file: null });
      else setError(e);
    } finally {
      setBusy(null);
    }
  };
  const shown = (files?.files ?? []).filter((f) => f.path.toLowerCase().includes(filter.toLowerCase()));
  return (
    <div class="page">
      <div class="page-head">
        <div>
          <h1>Launch a run</h1>
          <p class="muted">Validated with the same checks as <code>metaorch validate</code>; the run starts as <code>metaorch run</code> in a separate process and records to this store.</p>
        </div>
      </div>
      <nav class="tabs">
        <button type="button" class={mode === 'file' ? 'tab active' : 'tab'} onClick={() => patchQuery({ source: null }, false)}>Project file</button>
        <button type="button" class={mode === 'paste' ? 'tab active' : 'tab'} onClick={() => patchQuery({ source: 'paste' }, false)} data-testid="paste-tab">Paste YAML</button>
      </nav>
      {error !== null && <ErrorBox error={error} />}
      <div class={mode === 'paste' ? 'launch-grid even' : 'launch-grid'}>
        {mode === 'file' ? (
          <Section title="Experiment files" aside={files ? <span class="muted small">{files.files.length} in {files.root}</span> : null}>
            <input type="search" placeholder="Filter files" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} aria-label="Filter files" />
            {!files && <Loading />}
            {files && shown.length === 0 && <Empty title="No YAML file found">Add an experiment file to the project folder, or paste YAML.</Empty>}
            <ul class="file-list" data-testid="file-list">
              {shown.map((f) => (
                <li>
                  <button type="button" class={f.path === file ? 'file active' : 'file'} onClick={() => patchQuery({ file: f.path }, false)} data-path={f.path}>
                    <span class="mono">{f.path}</span>
                    <span class="muted small">{fmt.int(Math.ceil(f.size / 1024))} KB</span>
                  </button>
                </li>
              ))}
            </ul>
          </Section>
        ) : (
          <Section title="Experiment YAML" aside={<span class="muted small">saved under .metaorch/launch/ when validated; relative paths resolve from there</span>}>
            <textarea class="yaml" spellcheck={false} value={yaml} onInput={(e) => { setYaml((e.target as HTMLTextAreaElement).value); setValidation(null); }} data-testid="yaml-input" aria-label="Experiment YAML" />
          </Section>
        )}
        <Section title={mode === 'file' ? (file || 'Choose a file') : 'Check and launch'}>
          {mode === 'file' && !file && <Empty title="Choose an experiment file on the left" />}
          {mode === 'file' && file && content !== null && <SourceView text={content} issues={validation?.issues ?? []} />}
          {mode === 'paste' && validation && !validation.ok && <SourceView text={yaml} issues={validation.issues} />}
          <ValidationView v={validation} />
          <div class="actions">
            <button type="button" class="btn" disabled={busy !== null || (mode === 'file' && !file)} onClick={() => void validate()} data-testid="validate-button">
              {busy === 'validate' ? 'Validating…' : 'Validate'}
            </button>
            <button type="button" class="btn btn-primary" disabled={busy !== null || !validation?.ok} onClick={() => void launch()} data-testid="launch-button">
              {busy === 'launch' ? 'Starting…' : 'Launch run'}
            </button>
          </div>
        </Section>
      </div>
    </div>
  );
}

function ValidationView({ v }: { v: ValidateResponse | null }) {
  if (!v) return null;
  return (
    <div class="validation" data-testid="validation">
      {v.ok && v.experiment ? (
        <div class="ok-box">
          <strong>Valid.</strong> {v.experiment.name}: {v.experiment.mode}, {v.experiment.variants.length} variants ({v.experiment.variants.join(', ')}), {fmt.int(v.experiment.tasks)} tasks
          {v.experiment.planned !== null ? `, ${fmt.int(v.experiment.planned)} trials planned` : ''}.
        </div>
      ) : (
        <div class="error-box" data-testid="issues">
          <strong>{v.issues.length} problem{v.issues.length === 1 ? '' : 's'}:</strong>
          <ul>
            {v.issues.map((i) => (
              <li><span class="mono">{i.file}{i.line !== undefined ? `:${i.line}:${i.column ?? 1}` : ''}</span>{i.path ? <> <span class="mono">{i.path}</span>:</> : null} {i.message}</li>
            ))}
          </ul>
        </div>
      )}
      <div class="cli">
        <span class="muted small">Equivalent command</span>
        <code data-testid="cli-command">{v.command}</code>
      </div>
    </div>
  );
}

/** The file with line numbers; lines with a problem are marked and carry their messages. */
function SourceView({ text, issues }: { text: string; issues: ConfigIssueItem[] }) {
  const byLine = new Map<number, ConfigIssueItem[]>();
  for (const i of issues) if (i.line !== undefined) byLine.set(i.line, [...(byLine.get(i.line) ?? []), i]);
  return (
    <div class="source" data-testid="source">
      {text.split('\n').map((line, n) => {
        const here = byLine.get(n + 1);
        return (
          <>
            <div class={here ? 'src-line has-issue' : 'src-line'}>
              <span class="ln">{n + 1}</span>
              <span class="code">{line || ' '}</span>
            </div>
            {here?.map((i) => <div class="src-issue">▲ {i.path ? `${i.path}: ` : ''}{i.message}</div>)}
          </>
        );
      })}
    </div>
  );
}
