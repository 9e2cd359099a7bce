import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';

let addon: string | object | undefined;

/**
 * Opens a SQLite connection with better-sqlite3's native addon named directly. Left to find it
 * itself, better-sqlite3 loads the `bindings` package, which walks the call stack and probes a dozen
 * folders: 8-10 ms of every command's start here. The CLI bundle (scripts/bundle.mjs) also carries
 * better-sqlite3's JavaScript, so the addon is located from the installed package, not from the caller.
 *
 * @example
 * const db = openDatabase('.metaorch/metaorch.db', { readonly: true, fileMustExist: true });
 */
export function openDatabase(path: string, options: Database.Options = {}): Database.Database {
  return new Database(path, { ...options, nativeBinding: (addon ??= locateAddon()) as string });
}

/**
 * The addon's path where npm's install builds or downloads it; anywhere else, the addon as `bindings`
 * finds it when told the package's folder (it cannot work that out from inside a bundle).
 */
function locateAddon(): string | object {
  // Not named `require`: the bundle would take its own, and bundle `bindings`.
  const root = dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
  const built = join(root, 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(built)) return built;
  const bindings = createRequire(join(root, 'package.json'))('bindings') as (options: { bindings: string; module_root: string }) => object;
  return bindings({ bindings: 'better_sqlite3.node', module_root: root });
}
