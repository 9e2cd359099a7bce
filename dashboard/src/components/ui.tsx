/** Small shared pieces: status pills, empty / error / loading states, sections, tabs, intervals. */
import type { ComponentChildren } from 'preact';
import type { DisplayStatus } from '../../../src/server/api-types.js';
import { STATUS_WORDS } from '../../../src/report/words.js';

/** The words the CLI and reports use too. */
const STATUS_LABEL: Record<DisplayStatus, string> = STATUS_WORDS;

export function StatusPill({ status }: { status: DisplayStatus }) {
  return (
    <span class={`pill pill-${status}`} data-status={status}>
      {status === 'running' && <span class="pulse" aria-hidden="true" />}
      {STATUS_LABEL[status] ?? status}
    </span>
  );
}

export function Section(props: { title: ComponentChildren; aside?: ComponentChildren; children: ComponentChildren; id?: string; class?: string }) {
  return (
    <section class={`card ${props.class ?? ''}`} id={props.id}>
      <header class="card-head">
        <h2>{props.title}</h2>
        {props.aside && <div class="card-aside">{props.aside}</div>}
      </header>
      {props.children}
    </section>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <strong>{title}</strong>
      {children && <div>{children}</div>}
    </div>
  );
}

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="error-box" role="alert">
      <strong>Something went wrong.</strong> <span>{message}</span>
      {retry && (
        <button type="button" class="btn btn-small" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return <div class="loading">{label}</div>;
}

export function Tabs<T extends string>(props: { tabs: [T, string][]; value: T; onChange: (v: T) => void }) {
  return (
    <nav class="tabs" role="tablist">
      {props.tabs.map(([value, label]) => (
        <button type="button" role="tab" aria-selected={props.value === value} class={props.value === value ? 'tab active' : 'tab'} onClick={() => props.onChange(value)}>
          {label}
        </button>
      ))}
    </nav>
  );
}

/** A 0..1 scale with the interval as a bar and the estimate as a tick. */
export function IntervalBar({ value, ci, color }: { value: number | null; ci: [number, number] | null; color: string }) {
  if (value === null) return null;
  const pct = (x: number) => `${Math.max(0, Math.min(1, x)) * 100}%`;
  return (
    <span class="ibar" aria-hidden="true">
      {ci && <span class="ibar-range" style={{ left: pct(ci[0]), width: `calc(${pct(ci[1])} - ${pct(ci[0])})`, background: color }} />}
      <span class="ibar-tick" style={{ left: pct(value), background: color }} />
    </span>
  );
}

export function Stat({ label, value, sub }: { label: string; value: ComponentChildren; sub?: ComponentChildren }) {
  return (
    <div class="stat">
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {sub && <div class="stat-sub">{sub}</div>}
    </div>
  );
}

export function Dot({ color }: { color: string }) {
  return <span class="dot" style={{ background: color }} aria-hidden="true" />;
}
