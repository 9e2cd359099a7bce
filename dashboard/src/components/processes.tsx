/**
 * The processes of `metaorch orchestrator`: the master and each child (producers, the web server)
 * with its role, pid, state, restarts, work done and memory. Polls `GET /api/processes`; shows nothing
 * under a stand-alone `metaorch serve`.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ProcessesResponse, ProcessRow } from '../../../src/server/api-types.js';
import { api } from '../api.js';
import { ago, fmt } from '../format.js';
import { Section } from './ui.js';

const STATE_CLASS: Record<ProcessRow['state'], string> = {
  ready: 'pill-completed', starting: 'pill-running', backoff: 'pill-interrupted', stopping: 'pill-interrupted', stopped: 'pill-failed',
};

export function ProcessesPanel({ intervalMs = 2000 }: { intervalMs?: number }) {
  const [data, setData] = useState<ProcessesResponse | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = () =>
      api.get<ProcessesResponse>('/api/processes').then(
        (d) => !stopped && setData(d),
        () => undefined,
      ).finally(() => {
        if (!stopped) timer = setTimeout(load, intervalMs);
      });
    void load();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, []);
  if (!data?.orchestrator) return null;
  const o = data.orchestrator;
  return (
    <Section
      title="Processes"
      class="processes"
      aside={<span class="muted small">orchestrator pid {o.pid} · up {ago(o.startedAt).replace(' ago', '')} · {o.runs.length} run{o.runs.length === 1 ? '' : 's'} executing</span>}
    >
      <div class="table-wrap">
        <table class="table compact" data-testid="processes-table">
          <thead>
            <tr>
              <th>Child</th><th>Role</th><th class="num">pid</th><th>State</th><th class="num">Restarts</th><th class="num">Done</th><th class="num">Memory</th><th>Last exit</th>
            </tr>
          </thead>
          <tbody>
            {data.processes.map((p) => (
              <tr key={p.id} data-process={p.id} data-state={p.state}>
                <td class="mono">{p.id}</td>
                <td>{p.role}</td>
                <td class="num mono">{p.pid ?? '–'}</td>
                <td><span class={`pill ${STATE_CLASS[p.state]}`}>{p.state}</span></td>
                <td class="num">{fmt.int(p.restarts)}</td>
                <td class="num" title={p.role === 'web' ? 'requests served' : 'trials run'}>{fmt.int(p.done)}</td>
                <td class="num">{p.rss === null ? '–' : `${Math.round(p.rss / 2 ** 20)} MB`}</td>
                <td class="muted small">{lastExit(p)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function lastExit(p: ProcessRow): string {
  const e = p.lastExit;
  if (!e) return '';
  const how = e.killedFor ? `killed: ${e.killedFor}` : e.signal ? e.signal : `exit ${e.code}`;
  return `${how} · ${ago(e.at)}`;
}
