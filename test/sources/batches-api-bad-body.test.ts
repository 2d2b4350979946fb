// A 200 whose body is not JSON, or JSON not of §1's shape, is an ApiError of kind 'body' naming the
// URL, and is not retried by fetchPage (the poll fails; the next poll tries again).
import test from 'ava';
import { ApiError } from '../../src/sources/batches/errors.ts';
import { BatchesApi } from '../../src/sources/batches/api.ts';
import { json, QUICK, scriptedServer } from './batches-api-server.ts';

const BODIES: [string, string, RegExp][] = [
  ['html', '<html><body>Service temporarily unavailable</body></html>', /not JSON/],
  ['cut JSON', '{"batches": [{"id": 1, "name": "nyc-we', /not JSON/],
  ['other keys', '{"data": [], "next": null}', /'batches' is missing/],
  ['batches null', '{"batches": null, "has_more": false}', /'batches' is not an array/],
  ['no has_more', '{"batches": []}', /'has_more' is missing/],
  ['an array', '[]', /not an object but an array/],
  ['has_more a string', '{"batches": [], "has_more": "false"}', /'has_more' is not a boolean/],
];

for (const [what, body, message] of BODIES) {
  test(`a 200 with ${what} is an error, not retried`, async (t) => {
    const srv = await scriptedServer(t, [json(200, body)]);
    const api = new BatchesApi({ url: srv.url, token: 's3cret-token', retry: QUICK });
    t.teardown(() => api.close());
    const err = await t.throwsAsync(api.fetchPage({ limit: 5 }), { instanceOf: ApiError });
    t.is((err as ApiError).kind, 'body');
    t.regex(err!.message, message);
    t.true(err!.message.startsWith(`${srv.url}/batches?limit=5 answered 200`), err!.message);
    t.false(err!.message.includes('s3cret-token'));
    t.is(srv.seen.length, 1);
  });
}
