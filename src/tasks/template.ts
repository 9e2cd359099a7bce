const VAR = /\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*\}\}/g;

/**
 * The variable paths a template reads, e.g. `['question', 'context.title']`.
 *
 * @example
 * templateVariables('Q: {{question}} ({{ meta.lang }})'); // ['question', 'meta.lang']
 */
export function templateVariables(template: string): string[] {
  return [...new Set([...template.matchAll(VAR)].map((m) => m[1] ?? ''))];
}

/** Looks up a dotted path in nested records; undefined when any step is missing. */
export function lookup(vars: Record<string, unknown>, path: string): unknown {
  // A plain field (nearly every variable): no array to split into, once per task when validating.
  if (!path.includes('.')) return vars[path];
  let value: unknown = vars;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Replaces `{{var}}` with task fields; objects are written as JSON. Validation has already checked that
 * every variable exists, so a missing one renders empty rather than failing a paid call.
 *
 * @example
 * renderTemplate('Capital of {{country}}?', { country: 'France' }); // 'Capital of France?'
 */
export function renderTemplate(template: string, vars: Record<string, unknown>): string {
  return template.replace(VAR, (_, path: string) => text(lookup(vars, path)));
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * A template parsed once into literal text and variable paths: rendering it is then a few string
 * concatenations (the engine renders one prompt per trial). Renders exactly as renderTemplate.
 *
 * @example
 * const render = compileTemplate('Capital of {{country}}?');
 * render({ country: 'France' }); // 'Capital of France?'
 */
export function compileTemplate(template: string): (vars: Record<string, unknown>) => string {
  const literals: string[] = [];
  const paths: string[][] = [];
  let last = 0;
  for (const m of template.matchAll(VAR)) {
    literals.push(template.slice(last, m.index));
    paths.push((m[1] ?? '').split('.'));
    last = m.index + m[0].length;
  }
  const tail = template.slice(last);
  if (paths.length === 0) return () => template;
  return (vars) => {
    let out = '';
    for (let i = 0; i < paths.length; i++) {
      let value: unknown = vars;
      for (const key of paths[i]!) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
      out += literals[i]! + text(value);
    }
    return out + tail;
  };
}

/** compileTemplate for a variant's prompt: renders as renderPrompt. */
export function compilePrompt(template: string | undefined): (input: Record<string, unknown>) => string {
  return template !== undefined ? compileTemplate(template) : (input) => renderPrompt(undefined, input);
}

/**
 * A trial's prompt: the variant's template rendered with the task's input, or with no template the
 * task's `prompt` field, else its input as JSON. The engine renders it to call the variant; the store
 * renders it again to show a trial, rather than storing it with every trial.
 *
 * @example
 * renderPrompt(undefined, { prompt: 'Hi' }); // 'Hi'
 */
export function renderPrompt(template: string | undefined, input: Record<string, unknown>): string {
  if (template !== undefined) return renderTemplate(template, input);
  const p = input['prompt'];
  return typeof p === 'string' ? p : JSON.stringify(input);
}
