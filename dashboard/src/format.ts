/** Numbers as the CLI prints them (the same `fmt` rules), plus dates and durations for the pages. */
export { fmt } from '../../src/report/format.js';

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.round(s % 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

/** 2026-11-21 20:32:35 in local time. */
export function dateTime(ts: number | null | undefined): string {
  if (!ts) return '–';
  const d = new Date(ts);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function timeOfDay(ts: number | null | undefined): string {
  return ts ? dateTime(ts).slice(11) : '–';
}

/** "3 min ago". */
export function ago(ts: number | null | undefined, now = Date.now()): string {
  if (!ts) return '–';
  const s = Math.max(0, Math.round((now - ts) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

export function signed(x: number | null | undefined, f: (v: number) => string): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return x > 0 ? `+${f(x)}` : x < 0 ? `−${f(-x)}` : f(0);
}

/** Eight distinguishable colours (Okabe–Ito based), one per variant in declaration order. */
export const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#7a6fca', '#8c8c3e'];
export const colorOf = (index: number): string => PALETTE[index % PALETTE.length]!;
