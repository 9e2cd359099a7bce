import { Command } from 'commander';
import { loadExperiment } from '../../config/load.js';
import { plannedTrials } from '../../engine/run.js';
import { fmt } from '../../report/format.js';

export function validateCommand(): Command {
  return new Command('validate')
    .description('check an experiment file in full (schema, files, variants, template variables, env references) without running it')
    .argument('<experiment>', 'experiment file (YAML or JSON)')
    .action(async (file: string) => {
      const e = await loadExperiment(file);
      const planned = plannedTrials(e);
      console.log(
        `${file} is valid: ${e.variants.length} variant(s) (${e.variants.map((v) => v.id).join(', ')}), ${fmt.int(e.tasks.length)} task(s), ` +
        `${e.scorers.length} scorer(s), mode ${e.mode}${e.policy ? ` (policy ${e.policy.name})` : ''}, ` +
        `${planned === null ? 'no trial budget' : `${fmt.int(planned)} trials ${e.mode === 'grid' ? 'planned' : 'at most'}`}.`,
      );
    });
}
