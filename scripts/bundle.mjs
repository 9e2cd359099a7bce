// Bundles the CLI (dist/cli/main.js, compiled by tsc) into one CommonJS file, dist/bin/cli.cjs: the
// program `metaorch` (bin/metaorch.cjs) runs.
//
// Why: unbundled, a `metaorch run` spends 250-400 ms before its first trial resolving and compiling
// about 300 module files (ours, zod's locales, yaml, hundreds of tiny @stdlib files). One file loads
// at once, and esbuild wraps every module reached through a lazy `import()` in an initialiser, so a
// command still evaluates only what it uses. CommonJS rather than ESM because Node 20 can cache the
// compiled code of a script (bin/metaorch.cjs does) but not of an ES module.
//
// Three rewrites keep the bundled code behaving exactly like the unbundled dist it came from:
// - `import.meta.url` becomes the URL the module had in dist/, so paths computed from it (child
//   process entries, the dashboard directory, package.json) are unchanged;
// - a module's own `const require = createRequire(import.meta.url);` is dropped, so its static
//   `require('...')` calls (the @stdlib distributions, package.json) are bundled like its imports;
// - `import(x)` of what the bundle leaves out (an SDK, tsx, a user's module file) calls the importer
//   bin/metaorch.cjs passes in: code V8 restores from a code cache cannot run `import()` itself.
//
// better-sqlite3's JavaScript is bundled (a dozen files otherwise resolved and compiled on every
// start); its native addon is loaded by path (src/store/database.ts), and `bindings`, which finds it
// when it is elsewhere, stays out. Heavy optional packages stay external, loaded from node_modules
// when used: BullMQ and ioredis (the bullmq executor), tsx (a loader with its
// own files), ajv (the json-schema scorer), and the OpenAI and Anthropic SDKs (1.4 MB that every
// command would otherwise read and load from the code cache; a run loads them before its clock starts).
import { build } from 'esbuild';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = resolve(root, 'dist/bin/cli.cjs');
const OWN_REQUIRE = 'const require = createRequire(import.meta.url);';
/** An `import(` of anything but a relative path: a package left out of the bundle, or a user's module. */
const EXTERNAL_IMPORT = /\bimport\((?!\s*['"]\.)/g;
/** The function bin/metaorch.cjs passes the bundle to import those with (see there). */
const IMPORT_PARAMETER = '__metaorchImport';

const asInDist = {
  name: 'as-in-dist',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      text = text.replaceAll(OWN_REQUIRE, '');
      text = text.replace(EXTERNAL_IMPORT, `${IMPORT_PARAMETER}(`);
      if (text.includes('import.meta.url')) {
        const rel = relative(dirname(outfile), args.path).split('\\').join('/');
        text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, require('node:url').pathToFileURL(__filename)).href`);
      }
      return { contents: text, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

// Commander requires child_process at load, for subcommands run as separate executables (which this
// program has none of): loading it drags in net and dgram, 9 ms of every start. It gets the module on
// first use instead.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => process.getBuiltinModule('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

// @stdlib's gammaincinv logs two numerical warnings through `debug`, shown only under DEBUG=...; the
// real package probes the terminal and its colours when loaded, 3-5 ms of the report at a run's end.
const silentDebug = {
  name: 'silent-debug',
  setup(b) {
    b.onResolve({ filter: /^debug$/ }, () => ({ path: 'debug', namespace: 'silent-debug' }));
    b.onLoad({ filter: /.*/, namespace: 'silent-debug' }, () => ({ contents: 'module.exports = () => () => {};', loader: 'js' }));
  },
};

await rm(dirname(outfile), { recursive: true, force: true });
await build({
  entryPoints: [resolve(root, 'dist/cli/main.js')],
  outfile,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['bindings', 'bullmq', 'ioredis', 'tsx', 'tsx/*', 'ajv', 'openai', '@anthropic-ai/sdk'],
  charset: 'ascii',
  minifyWhitespace: !process.env.NOMIN,
  minifySyntax: !process.env.NOMIN,
  plugins: [asInDist, lazyChildProcess, silentDebug],
  legalComments: 'none',
  logLevel: 'warning',
});

// ASCII only, so bin/metaorch.cjs reads it as Latin-1: a one-byte string, decoded at memcpy speed
// (UTF-8 decoding 2.6 MB was 20 ms of every start). esbuild leaves non-ASCII characters inside
// regular expression literals; `\uXXXX` means the same there and in strings and templates.
const text = await readFile(outfile, 'utf8');
const ascii = text.replace(/[^\p{ASCII}]/gu, (c) => {
  if (c.length > 1) throw new Error(`bundle: a character beyond the BMP (${JSON.stringify(c)}) needs escaping by hand in its source`);
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
});
if (ascii !== text) await writeFile(outfile, ascii);
