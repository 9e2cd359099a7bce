import { Command, Option } from 'commander';
import type { CompareFlags } from '../../compare/index.js';
import { dbPath, lazyQueries } from '../context.js';

/** A repeatable option collected into an array; `shownDefault` is what --help says. */
const repeatable = (flags: string, description: string, shownDefault: string) =>
  new Option(flags, description).argParser((value: string, previous: string[]) => [...previous, value]).default([], shownDefault);

export function compareCommand(): Command {
  return new Command('compare')
    .description('compare a candidate run with a base run, variant by variant; exit 1 on a significant regression beyond the budget')
    .argument('<base>', 'base run: id, unique prefix, "latest", or exported run .json')
    .argument('<cand>', 'candidate run: id, unique prefix, "latest", or exported run .json')
    .addOption(repeatable('--metric <list>', 'metrics to compare, comma-separated or repeated: score, passRate, latency, cost, errorRate', 'score'))
    .option('--alpha <p>', 'significance level of the whole family of comparisons', '0.05')
    .addOption(repeatable(
      '--max-regression <budget>',
      'largest tolerated regression: 0.02 (metric units: score points, ms, dollars), 5% (of the base), 2pp, 50ms, $0.001, or per metric: score=0.02,latency=10%',
      '0',
    ))
    .addOption(new Option('--correction <method>', 'multiple-comparison correction').choices(['holm', 'bh', 'bonferroni', 'none']).default('holm'))
    .addOption(repeatable('--pair <base=cand>', 'compare variant BASE of the base run with variant CAND of the candidate (repeatable)', 'the same variant ids'))
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'md', 'json']).default('table'))
    .option('--db <path>', 'SQLite store (default: $METAORCH_DB or .metaorch/metaorch.db)')
    .action(async (baseRef: string, candRef: string, flags: CompareFlags & { db?: string; format: 'table' | 'md' | 'json' }) => {
      const [{ compareRuns, parseCompareFlags }, { compareMarkdown }, { compareTable }, { resolveRunData }] = await Promise.all([
        import('../../compare/index.js'), import('../../report/compare-markdown.js'), import('../../report/compare-table.js'), import('../../report/run-data.js'),
      ]);
      const options = parseCompareFlags(flags);
      const store = await lazyQueries(dbPath(flags.db));
      try {
        const result = compareRuns(resolveRunData(baseRef, store.get), resolveRunData(candRef, store.get), options);
        const out = flags.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : flags.format === 'md' ? compareMarkdown(result) : compareTable(result);
        process.stdout.write(out);
        process.exitCode = result.regressions > 0 ? 1 : 0;
      } finally {
        store.close();
      }
    });
}
