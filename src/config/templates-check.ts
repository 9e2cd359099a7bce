import type { Task } from '../model/task.js';
import { lookup, templateVariables } from '../tasks/template.js';
import type { VariantSpec } from './experiment.js';
import type { ExperimentHead } from './schema.js';
import { didYouMean } from '../model/suggest.js';

/** Tasks whose field names are offered as "did you mean" for a missing template variable. */
const SAMPLE = 1000;

/**
 * Every `{{var}}` a variant's prompt reads must exist in every task's input: a missing one is found
 * now, not after paying for half a run.
 */
export function checkTemplates(
  head: Pick<ExperimentHead, 'prompt' | 'system'>,
  variants: VariantSpec[],
  tasks: Task[],
  report: (path: (string | number)[], message: string) => void,
): void {
  const checked = new Set<string>();
  const fields = new Set<string>();
  for (const t of tasks.slice(0, SAMPLE)) for (const key of Object.keys(t.input)) fields.add(key);
  const check = (template: string | undefined, path: (string | number)[]) => {
    if (template === undefined) return;
    for (const name of templateVariables(template)) {
      const key = `${path.join('.')}:${name}`;
      if (checked.has(key)) continue;
      checked.add(key);
      const missing = tasks.filter((t) => lookup(t.input, name) === undefined);
      if (missing.length) {
        const examples = missing.slice(0, 3).map((t) => t.id).join(', ');
        const hint = didYouMean(name, fields, (n) => `{{${n}}}`);
        report(path, `template variable {{${name}}} is missing from ${missing.length} of ${tasks.length} task(s) (e.g. ${examples})${hint}`);
      }
    }
  };
  check(head.prompt, ['prompt']);
  check(head.system, ['system']);
  variants.forEach((v, i) => {
    check(v.prompt, ['variants', i, 'prompt']);
    check(v.system, ['variants', i, 'system']);
  });
}
