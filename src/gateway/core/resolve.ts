/**
 * Which route (and, when named, which variant) a request's `model` means, pure: a route's name or
 * one of its aliases (`*` matches any run of characters, so `claude-*` takes every Claude model name
 * Claude Code sends), `auto` for the default route, `ROUTE/VARIANT`, or a variant id that only one
 * route has.
 */

export interface RouteNames {
  name: string;
  aliases: readonly string[];
  variants: readonly string[];
}

export type Resolution =
  | { ok: true; route: number; variant: number | null }
  | { ok: false; message: string };

/**
 * Builds the resolver of a gateway's routes; the first route is the default unless `defaultRoute` says.
 *
 * @example
 * const resolve = modelResolver([{ name: 'chat', aliases: ['gpt-*'], variants: ['mini', 'haiku'] }]);
 * resolve('gpt-4o'); // { ok: true, route: 0, variant: null }
 * resolve('chat/haiku'); // { ok: true, route: 0, variant: 1 }
 */
export function modelResolver(routes: readonly RouteNames[], defaultRoute = 0): (model: unknown) => Resolution {
  const exact = new Map<string, Resolution>();
  const patterns: { re: RegExp; route: number }[] = [];
  const byVariant = new Map<string, number[]>();
  routes.forEach((r, i) => {
    exact.set(r.name, { ok: true, route: i, variant: null });
    r.variants.forEach((v, j) => {
      exact.set(`${r.name}/${v}`, { ok: true, route: i, variant: j });
      byVariant.set(v, [...(byVariant.get(v) ?? []), i]);
    });
    for (const alias of r.aliases) {
      if (alias.includes('*')) patterns.push({ re: globToRegExp(alias), route: i });
      else if (!exact.has(alias)) exact.set(alias, { ok: true, route: i, variant: null });
    }
  });
  if (!exact.has('auto') && routes.length > 0) exact.set('auto', { ok: true, route: defaultRoute, variant: null });
  const names = routes.map((r) => r.name);
  return (model) => {
    if (typeof model !== 'string' || model === '') return { ok: false, message: `'model' is required: one of ${describe(names)}` };
    const hit = exact.get(model);
    if (hit) return hit;
    const owners = byVariant.get(model);
    if (owners?.length === 1) {
      const route = owners[0]!;
      return { ok: true, route, variant: routes[route]!.variants.indexOf(model) };
    }
    if (owners && owners.length > 1) {
      return { ok: false, message: `model '${model}' is a variant of several routes: say which, as ${owners.map((i) => `'${routes[i]!.name}/${model}'`).join(' or ')}` };
    }
    for (const p of patterns) if (p.re.test(model)) return { ok: true, route: p.route, variant: null };
    return { ok: false, message: `The model '${model}' does not exist on this gateway: use a route (${describe(names)}), 'auto', or ROUTE/VARIANT` };
  };
}

function describe(names: readonly string[]): string {
  return names.map((n) => `'${n}'`).join(', ');
}

/** `claude-*` as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}
