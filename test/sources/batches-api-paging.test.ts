// Keyset paging: the next page starts after the last entry with a valid created_at and positive
// integer id, even when that entry is otherwise invalid or an unusable one is last on the page; a
// full page with no such entry fails with a clear error instead of looping or skipping.
import test from 'ava';
import { ApiError } from '../../src/sources/batches/errors.ts';
import { BatchesApi } from '../../src/sources/batches/api.ts';
import { fetchAllBatches } from '../../src/sources/batches/paging.ts';
import { page, QUICK, scriptedServer } from './batches-api-server.ts';

const A = { id: 3, name: 'a', start_date: null, created_at: '2024-01-01T00:00:00.000Z' };
const B = { id: 9, name: 'b', start_date: '2024-02-01', created_at: '2024-01-02T00:00:00.000Z' };
const BAD_TIME = { id: 4, name: 'x', start_date: null, created_at: '2024-01-01 00:00:01' };
const NO_NAME = { id: 10, name: '', start_date: null, created_at: '2024-01-03T00:00:00.000Z' };
const ID_TEXT = { id: '11', name: 'y', start_date: null, created_at: '2024-01-04T00:00:00.000Z' };

test('pages on from the last usable entry; invalid ones rejected once each', async (t) => {
  const srv = await scriptedServer(t, [page([A, BAD_TIME], true), page([B, NO_NAME, ID_TEXT], true), page([B, ID_TEXT], false)]);
  const api = new BatchesApi({ url: srv.url, retry: QUICK });
  t.teardown(() => api.close());

  const all = await fetchAllBatches(api, { since: '2024-01-01' });

  t.deepEqual(
    srv.seen.map((s) => decodeURIComponent(s.url)),
    [
      '/batches?after=2023-12-31T23:59:59.999Z&limit=100',
      '/batches?after=2024-01-01T00:00:00.000Z&after_id=3&limit=100',
      '/batches?after=2024-01-03T00:00:00.000Z&after_id=10&limit=100',
    ],
  );
  t.deepEqual(all.batches, [A, B]);
  t.deepEqual(
    all.rejected.map((r) => [r.reason, r.raw]),
    [
      ['created_at is not YYYY-MM-DDTHH:MM:SS.sssZ', JSON.stringify(BAD_TIME)],
      ['name is not a non-empty string', JSON.stringify(NO_NAME)],
      ['id is not a positive integer', JSON.stringify(ID_TEXT)],
    ],
  );
  t.deepEqual(all.cursor, { created_at: B.created_at, id: B.id });
});

test('a full page with nothing to page on from is an error, not a loop', async (t) => {
  const srv = await scriptedServer(t, [page([BAD_TIME, ID_TEXT], true)]);
  const api = new BatchesApi({ url: srv.url, retry: QUICK });
  t.teardown(() => api.close());
  const err = (await t.throwsAsync(fetchAllBatches(api), { instanceOf: ApiError })) as ApiError;
  t.is(err.kind, 'paging');
  t.regex(err.message, /full page \(2 entries, has_more true\) with no entry holding a valid created_at and positive integer id/);
  t.is(srv.seen.length, 1);
});
