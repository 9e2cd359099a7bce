/** A trial in full: input, prompt, output (always as text), scores with reasons, attempts, errors, costs. */
import { useEffect, useState } from 'preact/hooks';
import type { TrialDetail } from '../../../src/server/api-types.js';
import { api } from '../api.js';
import { dateTime, fmt } from '../format.js';
import { ErrorBox, Loading } from './ui.js';

export function TrialDrawer({ runId, seq, onClose }: { runId: string; seq: number; onClose: () => void }) {
  const [trial, setTrial] = useState<TrialDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setTrial(null);
    setError(null);
    api.get<TrialDetail>(`/api/runs/${encodeURIComponent(runId)}/trials/${seq}`).then(setTrial, setError);
  }, [runId, seq]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div class="drawer-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="drawer" role="dialog" aria-modal="true" aria-label={`Trial ${seq}`} data-testid="trial-drawer">
        <header class="drawer-head">
          <h2>
            Trial #{seq}
            {trial && <span class={`pill pill-${trial.status === 'ok' ? 'completed' : trial.status === 'error' ? 'failed' : 'running'}`}>{trial.status}</span>}
          </h2>
          <button type="button" class="btn btn-small" onClick={onClose} aria-label="Close">
            Close ✕
          </button>
        </header>
        {error !== null && <ErrorBox error={error} />}
        {!trial && error === null && <Loading />}
        {trial && <TrialBody trial={trial} />}
      </div>
    </div>
  );
}

function TrialBody({ trial: t }: { trial: TrialDetail }) {
  return (
    <div class="drawer-body">
      <dl class="facts">
        <div><dt>Variant</dt><dd>{t.variantId}</dd></div>
        <div><dt>Task</dt><dd class="mono">{t.task.id}</dd></div>
        <div><dt>Score</dt><dd>{fmt.score(t.score)}{t.passed !== null && <span class={t.passed ? 'good' : 'bad'}> · {t.passed ? 'pass' : 'fail'}</span>}</dd></div>
        <div><dt>Latency</dt><dd>{fmt.ms(t.latencyMs)}</dd></div>
        <div><dt>Cost</dt><dd>{t.cost === null ? 'unknown' : fmt.usd(t.cost)}</dd></div>
        <div><dt>Tokens</dt><dd>{t.tokensIn === null && t.tokensOut === null ? 'unknown (not reported)' : `${fmt.int(t.tokensIn)} in · ${fmt.int(t.tokensOut)} out`}</dd></div>
        <div><dt>Repeat · seed</dt><dd>{t.repeat} · {t.seed}</dd></div>
        <div><dt>Finished</dt><dd>{dateTime(t.finishedAt)}</dd></div>
      </dl>
      {t.error && (
        <div class="error-box">
          <strong>{t.errorKind ?? 'error'}:</strong> <span>{t.error}</span>
        </div>
      )}
      <h3>Input</h3>
      <pre class="text">{JSON.stringify(t.task.input, null, 2)}</pre>
      {t.task.expected !== null && t.task.expected !== undefined && (
        <>
          <h3>Expected</h3>
          <pre class="text">{typeof t.task.expected === 'string' ? t.task.expected : JSON.stringify(t.task.expected, null, 2)}</pre>
        </>
      )}
      <h3>Prompt</h3>
      <pre class="text">{t.prompt ?? '–'}</pre>
      <h3>Output</h3>
      <pre class="text output" data-testid="trial-output">{t.output ?? '(no output)'}</pre>
      <h3>Scores</h3>
      {t.scores.length === 0 ? (
        <p class="muted">No scores (the trial errored or the experiment has no scorer).</p>
      ) : (
        <table class="table compact">
          <thead><tr><th>Scorer</th><th class="num">Score</th><th class="num">Weight</th><th>Reason</th></tr></thead>
          <tbody>
            {t.scores.map((s) => (
              <tr><td>{s.scorer}</td><td class="num">{fmt.score(s.score)}</td><td class="num">{s.weight}</td><td>{s.reason}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Attempts</h3>
      <table class="table compact">
        <thead><tr><th class="num narrow-col">#</th><th class="num narrow-col">Latency</th><th>Result</th></tr></thead>
        <tbody>
          {t.attempts.map((a) => (
            <tr>
              <td class="num">{a.n}</td>
              <td class="num">{fmt.ms(a.latencyMs)}</td>
              <td>{a.error ? <span class="bad">{a.error.kind}{a.error.status ? ` ${a.error.status}` : ''}: {a.error.message}{a.error.retryable ? ' (retried)' : ''}</span> : <span class="good">ok</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
