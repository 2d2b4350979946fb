// What dist/ was built from, and whether it still is what src/ says. The bin asks on every start,
// so this stays cheap and loads nothing but node:fs: one recursive readdir of src/ and one stat
// per file (about 1 ms for ~100 files). bin/build.mjs writes the stamp; the bin only reads it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SRC = join(ROOT, 'src');
export const DIST = join(ROOT, 'dist');
export const STAMP = 'build-stamp.json';

/**
 * Besides src/, what the output depends on: the build itself, the compiler options esbuild reads,
 * and the packages installed (got and its dependencies are bundled into dist/vendor/): npm rewrites
 * node_modules/.package-lock.json at every install that changes node_modules.
 */
const RECIPE = ['bin/build.mjs', 'bin/dist-stamp.mjs', 'tsconfig.json', 'node_modules/.package-lock.json'];

/** Editor droppings (.x.swp, x~, .#x) are neither built nor reasons to rebuild. */
export const ignored = (name) => name.startsWith('.') || name.endsWith('~');

/**
 * Every input as root-relative path → [mtimeMs, size]. Compared for equality, not "newer than":
 * a file put back with an older time (git checkout of an old tree, cp -p), removed or added
 * (its directory's listing differs) is a change as much as an edit is.
 */
export function inputs() {
  const out = {};
  // Measured: a walk of plain readdirSync + statSync takes ~1.7 ms over src/; readdirSync with
  // { recursive: true } alone took 5-6 ms on Node 20.
  const walk = (dir, rel) => {
    let names;
    try {
      names = readdirSync(dir);
    } catch (err) {
      if (err.code === 'ENOENT' && dir !== SRC) return; // removed since its parent's listing
      throw err;
    }
    for (const name of names) {
      if (ignored(name)) continue;
      const st = statSync(`${dir}/${name}`, { throwIfNoEntry: false });
      if (st === undefined) continue; // gone since the listing
      if (st.isDirectory()) walk(`${dir}/${name}`, `${rel}${name}/`);
      else if (st.isFile()) out[`${rel}${name}`] = [st.mtimeMs, st.size];
    }
  };
  walk(SRC, 'src/');
  for (const rel of RECIPE) {
    const st = statSync(join(ROOT, rel), { throwIfNoEntry: false });
    if (st !== undefined) out[rel] = [st.mtimeMs, st.size];
  }
  return out;
}

/** The stamp of the dist/ in place, or null when there is none (never built, or half removed). */
export function readStamp(dist = DIST) {
  try {
    return JSON.parse(readFileSync(join(dist, STAMP), 'utf8'));
  } catch {
    return null;
  }
}

/** Why dist/ must be built again, or null when it is what src/ holds now. */
export function staleness(now = inputs(), stamp = readStamp()) {
  if (stamp === null || typeof stamp.inputs !== 'object' || stamp.inputs === null) return 'dist/ has not been built';
  const built = stamp.inputs;
  let n = 0;
  for (const [file, [mtime, size]] of Object.entries(now)) {
    const was = built[file];
    if (was === undefined) return `${file} is new`;
    if (was[0] !== mtime || was[1] !== size) return `${file} changed`;
    n++;
  }
  if (Object.keys(built).length !== n) {
    return `${Object.keys(built).find((f) => !Object.hasOwn(now, f))} was removed`;
  }
  return null;
}
