/**
 * The live page's data: the snapshot (GET /live), then the stream. Each batch updates the variant
 * table and the feed at once; charts and the in-flight timeline refresh from the snapshot at most
 * every 600 ms while trials arrive. EventSource reconnects by itself with Last-Event-ID, so nothing is
 * missed or repeated; a `reset` (too far behind) reloads the snapshot.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { EventItem, EventsResponse, LiveSnapshot, LogLine, LogResponse, StreamBatch, TrialBrief } from '../../src/server/api-types.js';
import { api } from './api.js';

export interface LogEntry {
  key: string;
  ts: number;
  kind: 'stdout' | 'stderr' | 'server' | 'event';
  text: string;
}

export interface LiveState {
  snap: LiveSnapshot | null;
  feed: TrialBrief[];
  log: LogEntry[];
  error: unknown;
  connected: boolean;
  /** Event seq of the last batch received (for tests and the footer). */
  seq: number;
  reload(): void;
}

const FEED = 100;
const LOG = 500;
const NOTABLE = ['run', 'decision', 'controller', 'stop'];

export function useLiveRun(runId: string): LiveState {
  const [snap, setSnap] = useState<LiveSnapshot | null>(null);
  const [feed, setFeed] = useState<TrialBrief[]>([]);
  const [log, setLog] = useState<LogEntry[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [connected, setConnected] = useState(false);
  const [seq, setSeq] = useState(0);
  const [generation, setGeneration] = useState(0);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    let closed = false;
    let source: EventSource | null = null;
    const base = `/api/runs/${encodeURIComponent(runId)}`;
    const refresh = () => {
      refreshTimer.current ??= setTimeout(() => {
        refreshTimer.current = null;
        api.get<LiveSnapshot>(`${base}/live`).then((s) => !closed && setSnap((prev) => (prev && prev.seq > s.seq ? { ...s, ...pickSummary(prev) } : s)), () => undefined);
      }, 600);
    };
    const start = async () => {
      try {
        const [s, lines, events] = await Promise.all([
          api.get<LiveSnapshot>(`${base}/live`),
          api.get<LogResponse>(`${base}/log`),
          api.get<EventsResponse>(`${base}/events?types=${NOTABLE.join(',')}&limit=500`),
        ]);
        if (closed) return;
        setSnap(s);
        setSeq(s.seq);
        setFeed(s.recent);
        setLog(merge([], [...lines.lines.map(fromLine), ...events.events.map(fromEvent)]));
        setError(null);
        source = new EventSource(`/api/stream?run=${encodeURIComponent(runId)}&after=${s.seq}`);
        source.onopen = () => setConnected(true);
        source.onerror = () => setConnected(false);
        source.addEventListener('batch', (e) => {
          const batch = JSON.parse((e as MessageEvent<string>).data) as StreamBatch;
          setSeq(batch.seq);
          if (batch.summary) setSnap((prev) => (prev ? { ...prev, ...batch.summary } : prev));
          if (batch.trials.length) {
            setFeed((prev) => dedupe([...batch.trials, ...prev]).slice(0, FEED));
          }
          const entries = [...batch.log.map(fromLine), ...batch.events.filter((ev) => NOTABLE.includes(ev.type)).map(fromEvent)];
          if (entries.length) setLog((prev) => merge(prev, entries));
          if (batch.trials.length || batch.events.some((ev) => ev.type !== 'trials')) refresh();
        });
        source.addEventListener('reset', () => {
          source?.close();
          if (!closed) setGeneration((g) => g + 1);
        });
      } catch (e) {
        if (!closed) setError(e);
      }
    };
    void start();
    return () => {
      closed = true;
      source?.close();
      if (refreshTimer.current) clearTimeout(refreshTimer.current);
      refreshTimer.current = null;
    };
  }, [runId, generation]);

  return { snap, feed, log, error, connected, seq, reload: () => setGeneration((g) => g + 1) };
}

function pickSummary(s: LiveSnapshot) {
  return { seq: s.seq, run: s.run, variants: s.variants, best: s.best, leader: s.leader, policy: s.policy };
}

function dedupe(trials: TrialBrief[]): TrialBrief[] {
  const seen = new Set<number>();
  return trials.filter((t) => (seen.has(t.seq) ? false : (seen.add(t.seq), true)));
}

function fromLine(l: LogLine): LogEntry {
  return { key: `l${l.n}`, ts: l.ts, kind: l.stream, text: l.text };
}

function fromEvent(e: EventItem): LogEntry {
  const d = (e.data ?? {}) as Record<string, unknown>;
  let text = `${e.type}: ${JSON.stringify(e.data)}`;
  if (e.type === 'decision' && typeof d['best'] === 'string') {
    text = `decision${typeof d['kind'] === 'string' ? ` (${d['kind']})` : ''}: best variant ${d['best']}`;
  } else if (e.type === 'controller' && d['action'] === 'decision') {
    text = `controller #${String(d['id'])} ${String(d['kind'])} ${String(d['target'])}: ${String(d['reason'])}`;
  } else if (e.type === 'controller' && d['action'] === 'update') {
    const parts = [d['validation'] ? `validation ${String(d['validation'])}` : '', d['undoneBy'] ? `undone by #${String(d['undoneBy'])}` : '',
      d['delivery'] ? `escalation ${String((d['delivery'] as { status?: string }).status ?? '?')}` : ''].filter(Boolean);
    text = `controller #${String(d['id'])}: ${parts.join(', ')}`;
  } else if (e.type === 'run') {
    text = `run ${String(d['status'])}${d['stopReason'] && d['stopReason'] !== d['status'] ? ` (${String(d['stopReason'])})` : ''}${typeof d['planned'] === 'number' ? ` · ${d['planned'].toLocaleString('en-US')} trials planned` : ''}`;
  }
  return { key: `e${e.seq}`, ts: e.ts, kind: 'event', text };
}

function merge(prev: LogEntry[], next: LogEntry[]): LogEntry[] {
  const keys = new Set(prev.map((e) => e.key));
  return [...prev, ...next.filter((e) => !keys.has(e.key))].sort((a, b) => a.ts - b.ts).slice(-LOG);
}
