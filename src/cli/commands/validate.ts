import { Command } from 'commander';

export function validateCommand(): Command {
  return new Command('validate')
    .description('check an experiment file in full (schema, files, variants, template variables, env references) without running it')
    .argument('<experiment>', 'experiment file (YAML or JSON)')
    .action(async (file: string) => {
      const [{ loadExperiment }, { plannedTrials }, { fmt }] = await Promise.all([
        import('../../config/load.js'), import('../../engine/planned.js'), import('../../report/format.js'),
      ]);
      const e = await loadExperiment(file);
      const planned = plannedTrials(e);
      console.log(
        `${file} is valid: ${e.variants.length} variant(s) (${e.variants.map((v) => v.id).join(', ')}), ${fmt.int(e.tasks.length)} task(s), ` +
        `${e.scorers.length} scorer(s), mode ${e.mode}${e.policy ? ` (policy ${e.policy.name})` : ''}, ` +
        `${planned === null ? 'no trial budget' : `${fmt.int(planned)} trials ${e.mode === 'grid' ? 'planned' : 'at most'}`}.`,
      );
    });
}
