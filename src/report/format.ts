/** Number formatting shared by the console, Markdown and (later) the dashboard: units and rounding. */
export const fmt = {
  pct: (x: number | null | undefined, digits = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`),
  score: (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3)),
  ms: (x: number | null | undefined) => {
    if (x === null || x === undefined || !Number.isFinite(x)) return '–';
    return x >= 10_000 ? `${(x / 1000).toFixed(1)}s` : x >= 100 ? `${Math.round(x)}ms` : `${x.toFixed(1)}ms`;
  },
  usd: (x: number | null | undefined) => {
    if (x === null || x === undefined || !Number.isFinite(x)) return '–';
    if (x === 0) return '$0';
    return x >= 1 ? `$${x.toFixed(2)}` : x >= 0.01 ? `$${x.toFixed(3)}` : `$${x.toPrecision(2)}`;
  },
  // Thousands separators by hand: toLocaleString loads ICU's number formats (tens of ms at start-up).
  int: (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–'
    : Number.isInteger(x) && Math.abs(x) < 2 ** 53 ? String(x).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : x.toLocaleString('en-US')),
  interval: (ci: [number, number] | null, f: (x: number) => string) => (ci ? `[${f(ci[0])}, ${f(ci[1])}]` : '–'),
};
