import { formatT } from './format.js';
import type { SimulationResult } from './simulation.js';

/** Okabe and Ito's colour-blind-safe palette, most distinct first. */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#999933'];

const HEIGHT = 520;
const PLOT = { left: 72, top: 56, right: 640, bottom: 456 };

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** A round tick step (1, 2 or 5 x 10^k) giving about five ticks up to `max`. */
function niceStep(max: number): number {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

function number(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1).replace(/\.0$/, '');
}

/**
 * The top of the y axis. A policy with linear regret (uniform) can end 30 times above the rest and
 * flatten them into the floor, so the axis stops at 3x the median final regret and such a curve runs
 * off the top (clipped; its final value is in the legend).
 */
function visibleTop(result: SimulationResult): number {
  const finals: number[] = result.curves.map((c) => c.points[c.points.length - 1]?.regretMean ?? 0);
  const bound = result.lowerBound?.[result.lowerBound.length - 1]?.regret;
  if (bound !== undefined) finals.push(bound);
  let top = 0;
  for (const c of result.curves) for (const p of c.points) top = Math.max(top, p.regretMean + p.regretSE);
  if (bound !== undefined) top = Math.max(top, bound);
  const sorted = [...finals].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  return median > 0 ? Math.min(top, 3 * median) : top;
}

/**
 * Cumulative regret against t on a logarithmic time axis, as a self-contained SVG: one line per policy
 * with a shaded band of ± one standard error, the Lai-Robbins bound dashed, and a legend with each
 * policy's final regret. Hand-written so the output needs no browser or plotting library.
 *
 * @example
 * writeFileSync('regret.svg', plotRegret(result));
 */
export function plotRegret(result: SimulationResult): string {
  const tMin = result.curves[0]?.points[0]?.t ?? 1;
  const tMax = Math.max(result.horizon, tMin * 10);
  const span = Math.log10(tMax) - Math.log10(tMin);
  const x = (t: number): number => PLOT.left + ((Math.log10(t) - Math.log10(tMin)) / span) * (PLOT.right - PLOT.left);
  const yTop = visibleTop(result);
  const step = niceStep(yTop > 0 ? yTop : 1);
  const yMax = Math.max(step, Math.ceil(yTop / step) * step);
  const y = (r: number): number => PLOT.bottom - (r / yMax) * (PLOT.bottom - PLOT.top);
  const pt = (t: number, r: number): string => `${x(t).toFixed(1)},${y(r).toFixed(1)}`;
  // The legend column grows with the longest label (about 7.5 px per character at 13 px).
  const longest = Math.max(17, ...result.curves.map((c) => c.policy.length));
  const width = Math.ceil(PLOT.right + 74 + 7.5 * longest);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<clipPath id="plot-area"><rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}"/></clipPath>`,
    `<text x="${PLOT.left}" y="28" font-size="17" font-weight="600" fill="#222">Cumulative regret</text>`,
    `<text x="${PLOT.left}" y="46" font-size="12" fill="#666">${escape(`${result.environment.name}, ${result.environment.means.length} arms, batch ${result.batch}; mean ± SE over ${result.reps} repetitions`)}</text>`,
  );

  // Grid: decades and their 2..9 multiples on x, round values on y.
  for (let e = Math.floor(Math.log10(tMin)); e <= Math.ceil(Math.log10(tMax)); e++) {
    for (let m = 1; m < 10; m++) {
      const t = m * 10 ** e;
      if (t < tMin || t > tMax) continue;
      const major = m === 1;
      out.push(`<line x1="${x(t).toFixed(1)}" y1="${PLOT.top}" x2="${x(t).toFixed(1)}" y2="${PLOT.bottom}" stroke="${major ? '#d9d9d9' : '#f0f0f0'}"/>`);
      if (major) out.push(`<text x="${x(t).toFixed(1)}" y="${PLOT.bottom + 18}" font-size="12" fill="#444" text-anchor="middle">${formatT(t)}</text>`);
    }
  }
  for (let r = 0; r <= yMax + step / 2; r += step) {
    out.push(`<line x1="${PLOT.left}" y1="${y(r).toFixed(1)}" x2="${PLOT.right}" y2="${y(r).toFixed(1)}" stroke="#e6e6e6"/>`);
    out.push(`<text x="${PLOT.left - 8}" y="${(y(r) + 4).toFixed(1)}" font-size="12" fill="#444" text-anchor="end">${number(r)}</text>`);
  }
  out.push(`<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${(PLOT.left + PLOT.right) / 2}" y="${PLOT.bottom + 40}" font-size="13" fill="#333" text-anchor="middle">t (trials, log scale)</text>`);
  out.push(`<text transform="translate(20 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" font-size="13" fill="#333" text-anchor="middle">cumulative regret</text>`);

  const legend: string[] = [];
  const legendRow = (i: number): number => PLOT.top + 12 + i * 40;
  result.curves.forEach((curve, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const upper = curve.points.map((p) => pt(p.t, p.regretMean + p.regretSE));
    const lower = curve.points.map((p) => pt(p.t, Math.max(p.regretMean - p.regretSE, 0))).reverse();
    out.push(`<g clip-path="url(#plot-area)">`);
    out.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${colour}" fill-opacity="0.15" stroke="none"/>`);
    out.push(`<polyline points="${curve.points.map((p) => pt(p.t, p.regretMean)).join(' ')}" fill="none" stroke="${colour}" stroke-width="2.2" stroke-linejoin="round"/>`, '</g>');
    const last = curve.points[curve.points.length - 1];
    const ly = legendRow(i);
    legend.push(`<line x1="${PLOT.right + 24}" y1="${ly}" x2="${PLOT.right + 50}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`);
    legend.push(`<text x="${PLOT.right + 58}" y="${ly + 4}" font-size="13" fill="#222">${escape(curve.policy)}</text>`);
    if (last) legend.push(`<text x="${PLOT.right + 58}" y="${ly + 20}" font-size="11" fill="#666">${number(last.regretMean)} ± ${number(last.regretSE)} at ${formatT(last.t)}</text>`);
  });
  if (result.lowerBound) {
    out.push(`<polyline clip-path="url(#plot-area)" points="${result.lowerBound.map((p) => pt(p.t, p.regret)).join(' ')}" fill="none" stroke="#555" stroke-width="1.6" stroke-dasharray="6 4"/>`);
    const ly = legendRow(result.curves.length);
    legend.push(`<line x1="${PLOT.right + 24}" y1="${ly}" x2="${PLOT.right + 50}" y2="${ly}" stroke="#555" stroke-width="1.6" stroke-dasharray="6 4"/>`);
    legend.push(`<text x="${PLOT.right + 58}" y="${ly + 4}" font-size="13" fill="#222">Lai-Robbins bound</text>`);
    legend.push(`<text x="${PLOT.right + 58}" y="${ly + 20}" font-size="11" fill="#666">asymptotic, c ln t</text>`);
  }
  out.push(...legend, '</svg>');
  return `${out.join('\n')}\n`;
}
