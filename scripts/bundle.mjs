// Bundles the CLI (dist/cli/main.js, compiled by tsc) into dist/bin/: the `metaorch` users run.
//
// Why: unbundled, a `metaorch run` spends 250-400 ms before its first trial resolving and compiling
// about 300 module files (ours, zod's locales, yaml, hundreds of tiny @stdlib files). One entry plus
// chunks split at the CLI's lazy `import()`s loads what a command needs from a handful of files, and
// each command still loads only its own chunks (bench/cli.bench.ts measures both builds).
//
// Two rewrites keep the bundled code behaving exactly like the unbundled dist it came from:
// - `import.meta.url` becomes the URL the module had in dist/, so paths computed from it (child
//   process entries, the dashboard directory, package.json) are unchanged;
// - a module's own `const require = createRequire(import.meta.url);` is dropped, so its static
//   `require('...')` calls (the @stdlib distributions, package.json) are bundled and resolved at build
//   time; the banner defines `require` for the ones left external.
//
// Native and heavy optional packages stay external: better-sqlite3 (a native addon), BullMQ and
// ioredis (loaded only by the bullmq executor), tsx (a loader with its own files), ajv.
import { build } from 'esbuild';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(root, 'dist/bin');
const OWN_REQUIRE = 'const require = createRequire(import.meta.url);';

const asInDist = {
  name: 'as-in-dist',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      text = text.replaceAll(OWN_REQUIRE, '');
      if (text.includes('import.meta.url')) {
        const rel = relative(outdir, args.path).split('\\').join('/');
        text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
      }
      return { contents: text, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
const { metafile } = await build({
  entryPoints: { metaorch: resolve(root, 'dist/cli/main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  external: ['better-sqlite3', 'bullmq', 'ioredis', 'tsx', 'tsx/*', 'ajv'],
  plugins: [asInDist],
  banner: { js: "import { createRequire as __metaorchCreateRequire } from 'node:module'; const require = __metaorchCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
// Which modules each output file carries: test/e2e/startup.test.ts checks what a command loads by it.
const carried = Object.fromEntries(Object.entries(metafile.outputs).map(([file, out]) => [relative(outdir, resolve(root, file)), Object.keys(out.inputs)]));
await writeFile(resolve(outdir, 'modules.json'), `${JSON.stringify(carried)}\n`);
