#!/usr/bin/env -S node --
// The `metaorch` command. CommonJS on purpose: `--version` is answered before Node starts its ES
// module loader, and the program, one bundled file (dist/bin/cli.cjs, made by scripts/bundle.mjs from
// dist/cli/main.js), is compiled here with V8's code cache. `node --`: see src/cli/main.ts.
//
// The code cache: after a command has run, V8 serialises the bytecode of every function it compiled,
// and the next run of the same command starts from it instead of parsing and compiling the program
// again (a third of a short run's time). One file per command (`run`, `report`...), in
// $METAORCH_CODE_CACHE, else $XDG_CACHE_HOME/metaorch/v8 or ~/.cache/metaorch/v8; `off` disables it.
// A file is keyed by the bundle's path, size and mtime and Node's version, and V8 itself refuses data
// made for another source length, V8 version or flags. A refused, missing or unreadable cache only
// costs the compile it would have saved; it is written to a temporary name and renamed, so concurrent
// runs never read half a file.
'use strict';
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const { readFileSync } = require('node:fs');
  const { join } = require('node:path');
  process.stdout.write(`${JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version}\n`);
} else {
  runBundle(require('node:path').join(__dirname, '..', 'dist', 'bin', 'cli.cjs'));
}

function runBundle(file) {
  const fs = require('node:fs');
  const path = require('node:path');
  const vm = require('node:vm');
  const Module = require('node:module');
  // The flags the program sets (src/cli/main.ts, src/engine/warm.ts), set before compiling: V8 accepts
  // a code cache only under the flags it was made with.
  const v8 = require('node:v8');
  v8.setFlagsFromString('--heap-growing-percent=50');
  v8.setFlagsFromString('--expose-gc');
  // V8 drops the bytecode of functions not run for a while (after a few collections), and the code
  // cache written at exit holds only what is still compiled: after a long run, that left out all of
  // start-up (loading and checking the experiment), which every later start then compiled again
  // (3 x 5,000: 500-630 ms instead of 440). Kept, it is a few MB for the length of one command.
  v8.setFlagsFromString('--no-flush-bytecode');
  // ASCII (scripts/bundle.mjs makes it so): Latin-1 reads it as a one-byte string, without decoding.
  const source = fs.readFileSync(file, 'latin1').replace(/^#!/, '//');
  const cacheFile = codeCacheFile(file, fs, path);
  let cached;
  try {
    if (cacheFile) cached = fs.readFileSync(cacheFile);
  } catch {
    // none yet
  }
  // CommonJS's wrapper, and one more parameter: the bundle's `import()` of a package it leaves out or
  // of a user's module (scripts/bundle.mjs). Code V8 restores from a cache has lost what `import()`
  // needs (Node: "A dynamic import callback was not specified"); this function, compiled by Node's
  // own loader, has not. Bare names resolve from here, in the same package as the bundle.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __metaorchImport) {${source}\n})`, {
    filename: file,
    cachedData: cached,
  });
  const accepted = cached !== undefined && !script.cachedDataRejected;
  debug(cacheFile ? `code cache ${cacheFile}: ${cached === undefined ? 'none' : accepted ? 'accepted' : 'refused'}` : 'code cache off');
  if (cacheFile && !accepted) process.once('exit', () => writeCodeCache(script, cacheFile, fs));
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(file), module, file, path.dirname(file), (specifier) => import(specifier));
}

/** Where this command's code cache lives, or null (disabled, or no private folder for it). */
function codeCacheFile(file, fs, path) {
  const setting = process.env.METAORCH_CODE_CACHE;
  if (setting === 'off') return null;
  const home = process.env.XDG_CACHE_HOME || (process.env.HOME && path.join(process.env.HOME, '.cache'));
  const dir = setting || (home && path.join(home, 'metaorch', 'v8'));
  if (!dir) return null;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Compiled code is code: only a folder this user owns and nobody else can write is trusted.
    const st = fs.statSync(dir);
    if ((typeof process.getuid === 'function' && st.uid !== process.getuid()) || (st.mode & 0o022) !== 0) return null;
    const bundle = fs.statSync(file);
    const key = require('node:crypto').createHash('sha256')
      .update(`${file}\0${bundle.size}\0${bundle.mtimeMs}\0${process.version}\0${process.arch}`).digest('hex').slice(0, 16);
    const command = /^[a-z-]+$/.test(argv[0] || '') ? argv[0] : 'other';
    return path.join(dir, `${key}-${command}.bin`);
  } catch {
    return null;
  }
}

function writeCodeCache(script, cacheFile, fs) {
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
    fs.renameSync(temporary, cacheFile);
    debug(`code cache written: ${cacheFile}`);
    prune(cacheFile, fs);
  } catch {
    // A full disk or a read-only home: the next run compiles again.
    fs.rmSync(temporary, { force: true });
  }
}

/**
 * Each build (and Node version) writes files of its own key: those of other keys untouched for a week
 * are removed, and temporary files a killed writer left, so the folder does not grow with upgrades.
 */
function prune(cacheFile, fs) {
  const path = require('node:path');
  const dir = path.dirname(cacheFile);
  const key = path.basename(cacheFile).split('-')[0];
  const now = Date.now();
  for (const name of fs.readdirSync(dir)) {
    const stale = name.endsWith('.tmp') ? 3_600_000 : name.startsWith(`${key}-`) ? Infinity : 7 * 86_400_000;
    try {
      if (now - fs.statSync(path.join(dir, name)).mtimeMs > stale) fs.rmSync(path.join(dir, name), { force: true });
    } catch {
      // removed meanwhile by another run
    }
  }
}

function debug(line) {
  if (process.env.METAORCH_DEBUG_CODE_CACHE) process.stderr.write(`metaorch: ${line}\n`);
}
