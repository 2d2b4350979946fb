#!/usr/bin/env node
// Builds src/ into dist/, the JavaScript that the bin and every worker thread run: each
// src/**/*.ts compiled on its own by esbuild (no bundling: an actor module stays a file a Worker
// can load), relative `.ts` specifiers rewritten to `.js`, every other file copied as is
// (checkpointer.mjs, and any asset a module finds beside itself through import.meta.url).
// One dependency is bundled, from node_modules, into dist/vendor/: got, the batches API's HTTP
// client, loaded from its ~50 modules in 175 ms here and as one file in 75-95 ms; `rebuild` loads
// it while its threads read the log, on the one core they leave.
//
// `npm install` and `npm ci` run it (the "prepare" script); the bin runs it when src/ has changed
// since the stamp. Several processes may want it at once (tests start the bin in parallel), so:
//   - one build at a time: a lock directory, dist.lock/, taken by an atomic rename and holding
//     the owner's pid; a lock whose owner is dead, or older than LOCK_STALE_MS, is broken;
//   - the lock holder looks again before building: whoever waited finds dist/ fresh and builds
//     nothing;
//   - the build is written to dist.tmp-*/ with its stamp, then swapped in by two renames
//     (dist → dist.old-*, dist.tmp-* → dist), so a reader sees the old tree or the new one,
//     whole, never a half-written one. Between the renames dist/ is missing for microseconds:
//     the bin takes a missing dist/ for a stale one and comes here, where the lock makes it wait
//     for the swap to finish.
// Run: node bin/build.mjs   (builds even when fresh; the bin's path is ensureBuilt())
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, ROOT, SRC, STAMP, inputs, staleness } from './dist-stamp.mjs';

const LOCK = `${DIST}.lock`;
const LOCK_STALE_MS = 60_000;
const LOCK_WAIT_MS = 120_000;

export class BuildError extends Error {
  name = 'BuildError';
}

/** Builds dist/ unless it is fresh (or always, with force); resolves once dist/ matches src/. */
export async function ensureBuilt({ force = false } = {}) {
  return withLock(async () => {
    const why = force ? 'asked to' : staleness();
    if (why === null) return { built: false };
    return { built: true, why, ...(await buildNow()) };
  });
}

async function buildNow() {
  const started = performance.now();
  // Taken before any source is read: a file edited while we build keeps a time that differs
  // from the one recorded, so the next start builds again.
  const stamped = inputs();
  const files = Object.keys(stamped).filter((f) => f.startsWith('src/')).map((f) => f.slice(4));
  const ts = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  const other = files.filter((f) => !f.endsWith('.ts'));

  const tmp = `${DIST}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    const esbuild = await import('esbuild');
    let result;
    try {
      result = await esbuild.build({
        absWorkingDir: ROOT, // the metafile's paths are relative to it
        entryPoints: ts.map((f) => join(SRC, f)),
        outdir: tmp,
        outbase: SRC,
        bundle: false,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        tsconfig: join(ROOT, 'tsconfig.json'),
        sourcemap: 'linked',
        sourcesContent: false,
        metafile: true,
        write: false,
        logLevel: 'silent',
      });
    } catch (err) {
      throw new BuildError(describeFailure(err));
    }
    const byOutput = new Map(Object.entries(result.metafile.outputs).map(([p, o]) => [join(ROOT, p), o]));
    for (const out of result.outputFiles) {
      mkdirSync(dirname(out.path), { recursive: true });
      if (!out.path.endsWith('.js')) {
        writeFileSync(out.path, out.contents);
        continue;
      }
      writeFileSync(out.path, rewriteSpecifiers(out.text, byOutput.get(out.path)?.imports ?? [], relative(tmp, out.path)));
    }
    for (const [name, file] of Object.entries(VENDORED)) {
      try {
        await esbuild.build({
          absWorkingDir: ROOT,
          entryPoints: [name],
          outfile: join(tmp, file),
          bundle: true,
          format: 'esm',
          platform: 'node',
          target: 'node20',
          // Its CommonJS parts require Node's modules: an ES module has no `require` of its own.
          banner: { js: "import { createRequire as __vendorRequire } from 'node:module';\nconst require = __vendorRequire(import.meta.url);" },
          logLevel: 'silent',
        });
      } catch (err) {
        throw new BuildError(`bundling ${name} into dist/${file}: ${describeFailure(err)}`);
      }
    }
    for (const f of other) {
      mkdirSync(dirname(join(tmp, f)), { recursive: true });
      copyFileSync(join(SRC, f), join(tmp, f));
    }
    const esbuildVersion = esbuild.version;
    writeFileSync(
      join(tmp, STAMP),
      JSON.stringify({ builtAt: new Date().toISOString(), esbuild: esbuildVersion, node: process.version, compiled: ts.length, copied: other.length, inputs: stamped }, null, 1) + '\n',
    );
    swapIn(tmp);
    return { compiled: ts.length, copied: other.length, ms: performance.now() - started };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * `from "./x.ts"`, `import "./x.ts"` and `import("./x.ts")` become `.js`. esbuild prints every
 * import in these shapes with double quotes; what it found is in the metafile, and the two must
 * agree, so a specifier the pattern missed (or a string it should not have touched) fails the
 * build instead of failing at run time. Same length in and out: the source map stays exact.
 */
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)"(\.\.?\/[^"\n]*)\.ts"/gm;

/** Packages bundled into dist/ (see the top), by import specifier: their file there. */
const VENDORED = { got: 'vendor/got.js' };
const VENDORED_SPECIFIER = new RegExp(`(\\bfrom\\s*|\\bimport\\s*\\(\\s*)"(${Object.keys(VENDORED).join('|')})"`, 'g');

function rewriteSpecifiers(code, imports, name) {
  const rewritten = [];
  let text = code.replace(SPECIFIER, (_m, lead, path) => {
    rewritten.push(`${path}.ts`);
    return `${lead}"${path}.js"`;
  });
  // A vendored package: its bundle, relative to this file (the one line a source map then misplaces by a few columns).
  const vendored = [];
  text = text.replace(VENDORED_SPECIFIER, (_m, lead, pkg) => {
    vendored.push(pkg);
    const target = relative(dirname(name), VENDORED[pkg]).split('\\').join('/');
    return `${lead}"${target.startsWith('.') ? target : `./${target}`}"`;
  });
  const expectedVendored = imports.map((i) => i.path).filter((p) => Object.hasOwn(VENDORED, p));
  if (vendored.sort().join('\n') !== expectedVendored.sort().join('\n')) {
    throw new BuildError(`dist/${name}: pointed [${vendored.join(', ')}] at their bundles but esbuild found [${expectedVendored.join(', ')}]`);
  }
  const expected = imports.map((i) => i.path).filter((p) => /^\.\.?\//.test(p) && p.endsWith('.ts'));
  if (rewritten.sort().join('\n') !== expected.sort().join('\n')) {
    throw new BuildError(
      `dist/${name}: rewrote the imports [${rewritten.join(', ')}] but esbuild found [${expected.join(', ')}]; ` +
        'an import in a shape bin/build.mjs does not know (a computed import() of a .ts file?)',
    );
  }
  return text;
}

function describeFailure(err) {
  const errors = Array.isArray(err?.errors) ? err.errors : [];
  if (errors.length === 0) return String(err?.message ?? err);
  return errors
    .slice(0, 10)
    .map((e) => (e.location ? `${relative(ROOT, join(ROOT, e.location.file))}:${e.location.line}:${e.location.column + 1}: ${e.text}` : e.text))
    .join('\n');
}

function swapIn(tmp) {
  for (let attempt = 0; ; attempt++) {
    const old = `${DIST}.old-${process.pid}-${attempt}-${Date.now().toString(36)}`;
    let moved = false;
    try {
      renameSync(DIST, old);
      moved = true;
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
    try {
      renameSync(tmp, DIST);
      return;
    } catch (err) {
      // Only with overlapping builds (a broken lock): another tree landed between our renames.
      if ((err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') || attempt >= 5) throw err;
    } finally {
      if (moved) rmSync(old, { recursive: true, force: true });
    }
  }
}

// ---- the lock ----

async function withLock(fn) {
  await acquire();
  try {
    return await fn();
  } finally {
    release();
  }
}

/** A fresh name beside the lock for this process: attempts, and locks on their way out. */
const scratch = () => `${LOCK}.${process.pid}-${Math.random().toString(36).slice(2)}`;

/**
 * Removes the lock by renaming it away first: removing it in place would empty it before the
 * rmdir, and rename(2) replaces an empty directory, so a waiter could take it in between and
 * the rmdir would fail (or, with a retry, remove the waiter's lock).
 */
function remove(lock) {
  const away = scratch();
  try {
    renameSync(lock, away);
  } catch (err) {
    if (err.code === 'ENOENT') return;
    throw err;
  }
  rmSync(away, { recursive: true, force: true });
}

function release() {
  // Only our own: a lock broken as abandoned (held past LOCK_STALE_MS) may be someone else's now.
  if (ownerOf(LOCK) === process.pid) remove(LOCK);
}

function ownerOf(lock) {
  try {
    return Number(readFileSync(join(lock, 'owner'), 'utf8'));
  } catch {
    return null;
  }
}

async function acquire() {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    // The owner file is in place before the lock exists: rename(2) of a directory onto an
    // existing non-empty one fails, so exactly one process takes it, and nobody sees it ownerless.
    const mine = scratch();
    mkdirSync(mine);
    writeFileSync(join(mine, 'owner'), `${process.pid}\n`);
    try {
      renameSync(mine, LOCK);
      cleanLeftovers();
      return;
    } catch (err) {
      rmSync(mine, { recursive: true, force: true });
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    }
    const dead = abandoned();
    if (dead !== null) {
      breakLock(dead);
      continue;
    }
    if (Date.now() > deadline) {
      throw new BuildError(`waited ${LOCK_WAIT_MS / 1000} s for ${relative(ROOT, LOCK)}/ (another build); remove it if no build is running`);
    }
    await new Promise((r) => setTimeout(r, 15));
  }
}

/** The owner of a lock left by a build that died, or that has held it far too long; else null. */
function abandoned() {
  const pid = ownerOf(LOCK);
  const st = statSync(LOCK, { throwIfNoEntry: false });
  if (pid === null || st === undefined) return null; // released in the meantime: try again
  return Date.now() - st.mtimeMs > LOCK_STALE_MS || !alive(pid) ? pid : null;
}

/**
 * Two waiters may judge the same lock abandoned; the first breaks it and takes a new one, and
 * the second must not break that: what it renamed away is given back unless it is the lock it
 * judged. Should that fail too, two builds overlap, which costs time, not correctness (each
 * writes its own temporary tree; swapIn lets the last one win).
 */
function breakLock(pid) {
  const away = scratch();
  try {
    renameSync(LOCK, away);
  } catch (err) {
    if (err.code === 'ENOENT') return;
    throw err;
  }
  if (ownerOf(away) !== pid) {
    try {
      renameSync(away, LOCK);
      return;
    } catch {
      // taken again meanwhile
    }
  }
  rmSync(away, { recursive: true, force: true });
}

/** Temporary trees, old trees and lock attempts of builds that died (by the pid in their names). */
const LEFTOVER = /^dist\.(?:tmp|old|lock)[.-](\d+)-/;

function cleanLeftovers() {
  for (const name of readdirSync(ROOT)) {
    const m = LEFTOVER.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !alive(pid)) rmSync(join(ROOT, name), { recursive: true, force: true });
  }
}

function alive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code !== 'ESRCH'; // EPERM: alive, someone else's
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const r = await ensureBuilt({ force: true });
    console.log(`built dist/ from src/: ${r.compiled} compiled, ${r.copied} copied, in ${Math.round(r.ms)} ms`);
  } catch (err) {
    process.stderr.write(`build: could not build src/ into dist/:\n${err instanceof BuildError ? err.message : (err?.stack ?? err)}\n`);
    process.exitCode = 1;
  }
}
