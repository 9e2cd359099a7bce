import { Command, Option } from 'commander';
import { computeReport } from '../../report/compute.js';
import { reportMarkdown } from '../../report/markdown.js';
import { isExportRef, resolveRunData, writeExport } from '../../report/run-data.js';
import { shownStatus } from '../../report/status.js';
import { dbPath, lazyStore } from '../context.js';

export function reportCommand(): Command {
  return new Command('report')
    .description('print the report of a run (a run id, prefix, "latest", or an exported JSON file)')
    .argument('<run>', 'run id, unique prefix, "latest", or exported run .json')
    .option('--db <path>', 'SQLite store')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'json']).default('md'))
    .action((ref: string, flags: { db?: string; format: 'md' | 'json' }) => {
      const store = lazyStore(dbPath(flags.db));
      try {
        const data = resolveRunData(ref, store.get);
        // A run in the store reads as every face shows it (killed, not running); an export as recorded.
        const report = computeReport(data, isExportRef(ref) ? {} : { status: shownStatus(data.run) });
        process.stdout.write(flags.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : reportMarkdown(report));
      } finally {
        store.close();
      }
    });
}

export function exportCommand(): Command {
  return new Command('export')
    .description('write a run with all its trials as one versioned JSON document (accepted wherever a run id is)')
    .argument('<run>', 'run id, unique prefix, or "latest"')
    .option('--db <path>', 'SQLite store')
    .action(async (ref: string, flags: { db?: string }) => {
      const store = lazyStore(dbPath(flags.db));
      try {
        await writeExport(resolveRunData(ref, store.get), process.stdout);
      } finally {
        store.close();
      }
    });
}
