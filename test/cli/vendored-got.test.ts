// dist/ carries got bundled into one file (bin/build.mjs): the built API client must load it from
// there, not from node_modules, and it must work as got does: a page read over HTTP, a server
// error retried, a timeout named.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { BATCH, json, page, scriptedServer, silent } from '../sources/batches-api-server.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DIST = join(ROOT, 'dist');

test('the built batches API client reads through the bundled got: a page, a 503 retried, a timeout', async (t) => {
  // Any command builds dist/ first when src/ changed since the last build.
  execFileSync(process.execPath, [join(ROOT, 'bin', 'batchboard.mjs'), '--help'], { stdio: 'ignore' });
  const built = readFileSync(join(DIST, 'sources', 'batches', 'api.js'), 'utf8');
  t.regex(built, /from "\.\.\/\.\.\/vendor\/got\.js"/, 'api.js imports the bundle');
  t.notRegex(built, /from "got"/);
  const { BatchesApi } = (await import(pathToFileURL(join(DIST, 'sources', 'batches', 'api.js')).href)) as typeof import('../../src/sources/batches/api.ts');

  const ok = await scriptedServer(t, [json(503, { error: 'busy' }), page([BATCH], false)]);
  const api = new BatchesApi({ url: ok.url, timeoutMs: 2_000, retry: { limit: 2, initialMs: 1, maxMs: 5 } });
  const got = await api.fetchPage({ limit: 100 });
  api.close();
  t.deepEqual(got.entries.map((e) => (e as { id: number }).id), [BATCH.id]);
  t.is(ok.seen.length, 2, 'the 503 was asked again');

  const quiet = await scriptedServer(t, [silent]);
  const slow = new BatchesApi({ url: quiet.url, timeoutMs: 200, retry: { limit: 0, initialMs: 1, maxMs: 5 } });
  const err = await t.throwsAsync(slow.fetchPage({ limit: 100 }));
  slow.close();
  t.regex(err!.message, /no answer within 200 ms/);
});
