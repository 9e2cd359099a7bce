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
  return template.replace(VAR, (_, path: string) => {
    const value = lookup(vars, path);
    if (value === undefined || value === null) return '';
    return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}
