import type { TaskScan } from '../tasks/scan.js';
import { templateVariables } from '../tasks/template.js';
import type { VariantSpec } from './experiment.js';
import type { ExperimentHead } from './schema.js';
import { didYouMean } from '../model/suggest.js';

type Path = (string | number)[];

/** Where each template is written, and the variables it reads. */
function templates(head: Pick<ExperimentHead, 'prompt' | 'system'>, variants: VariantSpec[]): { path: Path; names: string[] }[] {
  const out: { path: Path; names: string[] }[] = [];
  const add = (template: string | undefined, path: Path) => {
    if (template !== undefined) out.push({ path, names: templateVariables(template) });
  };
  add(head.prompt, ['prompt']);
  add(head.system, ['system']);
  variants.forEach((v, i) => {
    add(v.prompt, ['variants', i, 'prompt']);
    add(v.system, ['variants', i, 'system']);
  });
  return out;
}

/** Every variable a template of the experiment reads: what the task scan looks for. */
export function templateVariablesOf(head: Pick<ExperimentHead, 'prompt' | 'system'>, variants: VariantSpec[]): string[] {
  return templates(head, variants).flatMap((t) => t.names);
}

/**
 * Every `{{var}}` a variant's prompt reads must exist in every task's input: a missing one is found
 * now, not after paying for half a run. Reads the scan of the tasks (tasks/scan.ts), so a dataset of
 * any size is checked in one pass.
 */
export function checkTemplates(
  head: Pick<ExperimentHead, 'prompt' | 'system'>,
  variants: VariantSpec[],
  scan: TaskScan,
  report: (path: Path, message: string) => void,
): void {
  const checked = new Set<string>();
  for (const { path, names } of templates(head, variants)) {
    for (const name of names) {
      const key = `${path.join('.')}:${name}`;
      if (checked.has(key)) continue;
      checked.add(key);
      const missing = scan.missing.get(name);
      if (missing?.count) {
        const hint = didYouMean(name, scan.fields, (n) => `{{${n}}}`);
        report(path, `template variable {{${name}}} is missing from ${missing.count} of ${scan.count} task(s) (e.g. ${missing.examples.join(', ')})${hint}`);
      }
    }
  }
}
