// What a warehouse records as its sources (and shows in the "built from other sources" error)
// never holds credentials given in the API URL.
import test from 'ava';
import { sourcesId, withoutCredentials } from '../../src/domain/identity.ts';

test('credentials in the API URL are neither stored nor shown', (t) => {
  const id = sourcesId({ api: 'http://ann:s3cret@127.0.0.1:4010/', students: 'a.db', log: 'b.log' });
  t.notRegex(id, /s3cret|ann/);
  t.regex(id, /"api":"http:\/\/127\.0\.0\.1:4010"/);
  t.is(withoutCredentials('http://127.0.0.1:4010'), 'http://127.0.0.1:4010', 'a URL without credentials is kept as given');
  t.is(withoutCredentials('not a url'), 'not a url');
});
