/**
 * Static SVG charts for the standalone HTML report: no script, no external file, so the report opens
 * anywhere, offline, and prints. Pure functions from numbers to markup; every text is escaped.
 */

const PALETTE = ['#2563eb', '#d97706', '#059669', '#dc2626', '#7c3aed', '#0891b2', '#be185d', '#4d7c0f', '#9a3412', '#475569'];

/** The colour of the i-th variant (the same in every chart). */
export function colourOf(i: number): string {
  return PALETTE[i % PALETTE.length] as string;
}

/** Text safe inside HTML and SVG. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** One bar of a bar chart, with an optional interval drawn as a whisker. */
export interface Bar {
  label: string;
  value: number | null;
  interval?: [number, number] | null;
  colour: string;
  /** Shown at the end of the bar. */
  text: string;
}

const ROW = 26;
const LEFT = 150;
const WIDTH = 900;

/**
 * Horizontal bars (one per variant) on a shared axis from 0 to `max`, with whiskers for intervals.
 *
 * @example
 * barChart('Mean score', bars, 1, 'score-chart');
 */
export function barChart(title: string, bars: readonly Bar[], max: number, id: string): string {
  const height = bars.length * ROW + 16;
  const plot = WIDTH - LEFT - 230;
  const x = (v: number) => LEFT + (max > 0 ? Math.max(0, Math.min(1, v / max)) : 0) * plot;
  const rows = bars.map((b, i) => {
    const y = 10 + i * ROW;
    const bar = b.value === null ? '' : `<rect x="${LEFT}" y="${y + 4}" width="${(x(b.value) - LEFT).toFixed(1)}" height="${ROW - 10}" rx="3" fill="${b.colour}" opacity="0.85"><title>${escapeHtml(`${b.label}: ${b.text}`)}</title></rect>`;
    const whisker = b.interval
      ? `<line x1="${x(b.interval[0]).toFixed(1)}" x2="${x(b.interval[1]).toFixed(1)}" y1="${y + ROW / 2 - 1}" y2="${y + ROW / 2 - 1}" stroke="#111827" stroke-width="1.5"/>` +
        `<line x1="${x(b.interval[0]).toFixed(1)}" x2="${x(b.interval[0]).toFixed(1)}" y1="${y + 7}" y2="${y + ROW - 9}" stroke="#111827" stroke-width="1.5"/>` +
        `<line x1="${x(b.interval[1]).toFixed(1)}" x2="${x(b.interval[1]).toFixed(1)}" y1="${y + 7}" y2="${y + ROW - 9}" stroke="#111827" stroke-width="1.5"/>`
      : '';
    return `<text x="${LEFT - 8}" y="${y + ROW / 2 + 3}" text-anchor="end" class="label">${escapeHtml(b.label)}</text>${bar}${whisker}` +
      `<text x="${(b.value === null ? LEFT : Math.max(x(b.value), b.interval ? x(b.interval[1]) : 0)) + 6}" y="${y + ROW / 2 + 3}" class="value">${escapeHtml(b.text)}</text>`;
  });
  const axis = `<line x1="${LEFT}" x2="${LEFT}" y1="6" y2="${height - 6}" stroke="#9ca3af"/>`;
  return svg(id, title, WIDTH, height, `${axis}${rows.join('')}`);
}

/** One line of a line chart: y values at the shared x positions (null: no point). */
export interface Line {
  label: string;
  colour: string;
  ys: (number | null)[];
}

/**
 * Lines over a shared x axis (trial number), y from `yMin` to `yMax`, with a legend.
 *
 * @example
 * lineChart('Cumulative mean score', xs, lines, [0, 1], 'series-chart');
 */
export function lineChart(title: string, xs: readonly number[], lines: readonly Line[], [yMin, yMax]: [number, number], id: string, yFormat: (v: number) => string): string {
  const height = 240;
  const left = 52;
  const right = 16;
  const top = 12;
  const bottom = 48;
  const plotW = WIDTH - left - right;
  const plotH = height - top - bottom;
  const xMax = Math.max(1, xs[xs.length - 1] ?? 1);
  const px = (x: number) => left + (x / xMax) * plotW;
  const py = (y: number) => top + (1 - (y - yMin) / (yMax - yMin || 1)) * plotH;
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = yMin + f * (yMax - yMin);
    return `<line x1="${left}" x2="${WIDTH - right}" y1="${py(v).toFixed(1)}" y2="${py(v).toFixed(1)}" stroke="#e5e7eb"/><text x="${left - 6}" y="${(py(v) + 3).toFixed(1)}" text-anchor="end" class="tick">${escapeHtml(yFormat(v))}</text>`;
  });
  const paths = lines.map((l) => {
    let d = '';
    l.ys.forEach((y, i) => {
      if (y === null) return;
      d += `${d ? 'L' : 'M'}${px(xs[i] ?? 0).toFixed(1)},${py(y).toFixed(1)}`;
    });
    return d ? `<path d="${d}" fill="none" stroke="${l.colour}" stroke-width="2"><title>${escapeHtml(l.label)}</title></path>` : '';
  });
  const legend = lines.map((l, i) => `<rect x="${left + i * 130}" y="${height - 16}" width="10" height="10" fill="${l.colour}"/><text x="${left + 14 + i * 130}" y="${height - 7}" class="tick">${escapeHtml(l.label.slice(0, 18))}</text>`);
  const xTicks = [0, 0.5, 1].map((f) => `<text x="${px(f * xMax).toFixed(1)}" y="${top + plotH + 14}" text-anchor="middle" class="tick">${Math.round(f * xMax).toLocaleString('en-US')}</text>`);
  return svg(id, title, WIDTH, height, `${grid.join('')}${paths.join('')}${xTicks.join('')}${legend.join('')}`);
}

/** A chart: its caption and its SVG, in a figure. */
function svg(id: string, title: string, width: number, height: number, body: string): string {
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg id="${id}" class="chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${body}</svg></figure>`;
}
