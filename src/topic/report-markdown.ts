import { fmt } from '../report/format.js';
import type { TopicStatistics } from './statistics.js';
import type { Band } from './trends.js';

/**
 * The topic section of `metaorch report` for a topic run: per variant the totals with the last
 * trend window's band (where the variant stands now), and the effectiveness of the weight changes.
 *
 * @example
 * process.stdout.write(reportMarkdown(report) + topicMarkdown('Paris attractions', statistics));
 */
export function topicMarkdown(topic: string, s: TopicStatistics): string {
  const lines: string[] = [`## Topic: ${topic}`, ''];
  lines.push(`${fmt.int(s.uniqueItems)} unique items found by ${fmt.int(s.calls)} requests.`, '');
  lines.push(`| variant | requests | items returned | new | uniqueness | new/request | new/$ | new/s | mean latency | success | last window (${fmt.int(s.window)} requests): uniqueness [95% CI] | new/request [95% CI] |`);
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|');
  for (const v of s.variants) {
    const t = v.totals;
    const last = v.trend.at(-1);
    lines.push(`| ${v.id} | ${fmt.int(t.calls)} | ${fmt.int(t.returned)} | ${fmt.int(t.fresh)} | ${fmt.pct(t.uniquenessRatio)} | ${num(t.uniquePerCall)} | ${num(t.uniquePerDollar)} | ` +
      `${num(t.uniquePerSecond)} | ${fmt.ms(t.meanLatencyMs)} | ${fmt.pct(t.successRate)} | ${last ? band(last.uniquenessRatio, (x) => fmt.pct(x)) : '–'} | ${last ? band(last.uniquePerCall, num) : '–'} |`);
  }
  const e = s.effectiveness;
  lines.push('');
  if (e.changes.length === 0) lines.push('**Weight changes:** none recorded (the policy\'s weights are recorded every `snapshotEvery` requests).', '');
  else {
    lines.push(`**Weight changes:** ${e.judged ? `${fmt.int(e.raised)} of ${fmt.int(e.judged)} judged changes raised the unique rate (${fmt.pct(e.share)})` : 'none judged yet'}` +
      `${e.changes.length > e.judged ? `; ${fmt.int(e.changes.length - e.judged)} without ${e.window} requests on both sides not judged` : ''}. ` +
      `A change is a move of at least ${fmt.pct(e.minShift, 0)} of the weights; its unique rate is new items per request in the ${e.window} requests before and after it. ` +
      'As a topic runs out of new items the rate falls whatever the weights do, so compare this share between runs.', '');
  }
  return lines.join('\n');
}

function num(x: number | null): string {
  return x === null || !Number.isFinite(x) ? '–' : x >= 100 ? fmt.int(Math.round(x)) : x.toFixed(2);
}

function band(b: Band, f: (x: number) => string): string {
  if (b.value === null) return '–';
  return `${f(b.value)}${b.low !== null && b.high !== null ? ` [${f(b.low)}, ${f(b.high)}]` : ''}`;
}
