import { Command, Option } from 'commander';
import { dbPath, lazyQueries } from '../context.js';

export function reportCommand(): Command {
  return new Command('report')
    .description('print the report of a run (a run id, prefix, "latest", or an exported JSON file)')
    .argument('<run>', 'run id, unique prefix, "latest", or exported run .json')
    .option('--db <path>', 'SQLite store')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'json']).default('md'))
    .action(async (ref: string, flags: { db?: string; format: 'md' | 'json' }) => {
      const [{ computeReport }, { reportMarkdown }, { resolveRunData }] = await Promise.all([
        import('../../report/compute.js'), import('../../report/markdown.js'), import('../../report/run-data.js'),
      ]);
      const store = await lazyQueries(dbPath(flags.db));
      try {
        const report = computeReport(resolveRunData(ref, store.get));
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
      const { resolveRunData, writeExport } = await import('../../report/run-data.js');
      const store = await lazyQueries(dbPath(flags.db));
      try {
        await writeExport(resolveRunData(ref, store.get), process.stdout);
      } finally {
        store.close();
      }
    });
}
