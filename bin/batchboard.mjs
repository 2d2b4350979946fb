#!/usr/bin/env node
// The bin runs the built JavaScript in dist/ (`npm install` builds it: the "prepare" script), with
// no TypeScript loader in this process or in any worker thread. A source changed since the build
// is what runs next: dist/'s stamp is compared with src/ on every start (a stat per file, ~2 ms),
// and a difference builds again first. Only then is the build loaded, with esbuild: the common
// path loads neither.
import { SRC, staleness } from './dist-stamp.mjs';

let stale;
try {
  stale = staleness();
} catch (err) {
  // No src/ beside the bin: an installed copy of dist/ alone runs as it is.
  if (err?.code !== 'ENOENT' || err.path !== SRC) throw err;
  stale = null;
}
if (stale !== null) {
  const { ensureBuilt, BuildError } = await import('./build.mjs');
  try {
    await ensureBuilt();
  } catch (err) {
    // A compile error is the sources' to fix; anything else (a read-only install, a full disk)
    // is named by its message, without a stack trace.
    const what = err instanceof BuildError ? `${err.message}\nFix the source and run the command again.` : String(err?.message ?? err);
    process.stderr.write(`batchboard: could not build src/ into dist/ (${stale}):\n${what}\n`);
    process.exit(1);
  }
}
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
