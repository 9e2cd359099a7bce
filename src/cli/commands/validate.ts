import { Command } from 'commander';
import { envFileOption, prepareExperiment, selectionOptions, type ExperimentFlags } from '../run-options.js';

export function validateCommand(): Command {
  const command = new Command('validate')
    .description('check an experiment file in full (schema, files, variants, template variables, env references) without running it')
    .argument('<experiment>', 'experiment file (YAML or JSON)');
  return selectionOptions(envFileOption(command))
    .action(async (file: string, flags: ExperimentFlags) => {
      const [{ plannedTrials }, { fmt }, { describeExecutor }] = await Promise.all([
        import('../../engine/planned.js'), import('../../report/format.js'), import('../../config/executor.js'),
      ]);
      const { experiment: e } = await prepareExperiment(file, flags);
      const planned = plannedTrials(e);
      console.log(
        `${file} is valid: ${e.variants.length} variant(s) (${e.variants.map((v) => v.id).join(', ')}), ${fmt.int(e.tasks.length)} task(s), ` +
        `${e.scorers.length} scorer(s), mode ${e.mode}${e.policy ? ` (policy ${e.policy.name})` : ''}, ` +
        `${planned === null ? 'no trial budget' : `${fmt.int(planned)} trials ${e.mode === 'grid' ? 'planned' : 'at most'}`}` +
        `${e.executor && e.executor.type !== 'inline' ? `, executor ${describeExecutor(e.executor)}` : ''}${e.controller ? ', controller on' : ''}.`,
      );
    });
}
