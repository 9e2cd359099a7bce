import { Command, Option } from 'commander';
import type { RunQueries } from '../../store/run-queries.js';
import { dbPath, lazyQueries } from '../context.js';

type ReportFormat = 'md' | 'json' | 'html';
type ExportFormat = 'json' | 'jsonl' | 'csv';

export function reportCommand(): Command {
  return new Command('report')
    .description('print the report of a run (a run id, prefix, "latest", or an exported JSON file)')
    .argument('<run>', 'run id, unique prefix, "latest", or exported run .json')
    .option('--db <path>', 'SQLite store')
    .addOption(new Option('--format <format>', 'output format: md, json, or html (one standalone file with its charts: report --format html > report.html)').choices(['md', 'json', 'html']).default('md'))
    .action(async (ref: string, flags: { db?: string; format: ReportFormat }) => {
      const [{ computeReport }, { reportMarkdown }, { isExportRef, resolveRunData }, { shownStatus }] = await Promise.all([
        import('../../report/compute.js'), import('../../report/markdown.js'), import('../../report/run-data.js'), import('../../report/status.js'),
      ]);
      const store = await lazyQueries(dbPath(flags.db));
      try {
        const data = resolveRunData(ref, store.get);
        // A run in the store reads as every face shows it (killed, not running); an export as recorded.
        const report = computeReport(data, isExportRef(ref) ? {} : { status: shownStatus(data.run) });
        if (flags.format === 'html') {
          const { reportHtml, scoreSeries } = await import('../../report/html.js');
          process.stdout.write(reportHtml(report, scoreSeries(data.trials(), report.variants.map((v) => v.id))));
        } else {
          // A topic run in the store: its statistics from its events (trends, the weight changes' effect).
          const topic = data.experiment.topic && !isExportRef(ref) ? await topicSection(store.get(), data.run.id, data.experiment.topic.name) : null;
          process.stdout.write(flags.format === 'json' ? `${JSON.stringify(topic ? { ...report, topic: topic.statistics } : report, null, 2)}\n` : `${reportMarkdown(report)}${topic ? `\n${topic.markdown}` : ''}`);
        }
      } finally {
        store.close();
      }
    });
}

async function topicSection(queries: RunQueries, runId: string, topic: string) {
  const [{ readTopicHistory }, { topicStatistics }, { topicMarkdown }] = await Promise.all([
    import('../../topic/read-statistics.js'), import('../../topic/statistics.js'), import('../../topic/report-markdown.js'),
  ]);
  const history = readTopicHistory(queries, runId);
  const statistics = topicStatistics(history.calls, history.snapshots, { variants: queries.variants(runId).map((v) => v.id), maxPoints: 50 });
  return { statistics, markdown: topicMarkdown(topic, statistics) };
}

export function exportCommand(): Command {
  return new Command('export')
    .description('write a run with all its trials: one versioned JSON document (accepted wherever a run id is), JSON Lines, or CSV')
    .argument('<run>', 'run id, unique prefix, or "latest"')
    .option('--db <path>', 'SQLite store')
    .addOption(new Option('--format <format>', 'json: the whole run, re-readable by report and compare; jsonl: one trial per line; csv: one row per trial').choices(['json', 'jsonl', 'csv']).default('json'))
    .action(async (ref: string, flags: { db?: string; format: ExportFormat }) => {
      const [{ resolveRunData, writeExport }, { writeCsv, writeJsonLines }] = await Promise.all([import('../../report/run-data.js'), import('../../report/export-formats.js')]);
      const store = await lazyQueries(dbPath(flags.db));
      try {
        const data = resolveRunData(ref, store.get);
        const write = flags.format === 'csv' ? writeCsv : flags.format === 'jsonl' ? writeJsonLines : writeExport;
        await write(data, process.stdout);
      } finally {
        store.close();
      }
    });
}
