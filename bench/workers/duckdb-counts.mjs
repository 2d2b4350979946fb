// DuckDB, the rival of `batchboard rebuild` (bench/rebuild.ts, bench/coldstart.ts): the same three
// sources, the same answer per batch (students; students with >= MIN distinct lessons completed,
// a completion being a run with failure_count = 0 and passing_count > 0; and each student's
// qualified_at, the MIN-th earliest of its lessons' first completions, summed per batch as epoch
// ms to be compared with batchboard's), in a process of its own
// so that its peak RSS is its own. Plain JavaScript, like batchboard's dist/, so that neither pays
// for a TypeScript loader.
//
// Input: one JSON argument { api, students, studentsCsv, logs, threads, minLessons, extensionDir }.
// Output: one JSON line on stdout { batches: [[id, student_count, qualified_students, sum of qualified_at in ms], ...], ... }.
// created_at is compared as text: every valid one is YYYY-MM-DDTHH:MM:SS.sssZ, whose order is time's.
//
// The log's schema is given (CONTRACTS §3's six fields), so DuckDB needs no sampling pass to detect
// it; measured on 2M runs it was as fast as read_json's auto-detection, and no slower than naming
// only the four columns the answer needs.
//
// Sources: the batches come from the API (paged as any client would, inside the timed run); the
// log files are read by read_json; the students by DuckDB's sqlite extension when it is installed
// (it is not part of the npm package, and loading it would download it from outside the npm
// registry: autoinstall is off here), else from `studentsCsv`, the same table exported beforehand.
import { DuckDBInstance } from '@duckdb/node-api';

const started = performance.now();
const o = JSON.parse(process.argv[2]);

async function fetchBatchIds(api) {
  const ids = [];
  let url = `${api}/batches?limit=100`;
  for (;;) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
    const page = await res.json();
    for (const b of page.batches) ids.push(b.id);
    const last = page.batches.at(-1);
    if (!page.has_more || last === undefined) return ids;
    url = `${api}/batches?limit=100&after=${encodeURIComponent(last.created_at)}&after_id=${last.id}`;
  }
}

const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;

const instance = await DuckDBInstance.create(':memory:', {
  threads: String(o.threads),
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
  extension_directory: o.extensionDir,
});
const db = await instance.connect();

const batchIds = await fetchBatchIds(o.api);
const apiMs = performance.now() - started;
await db.run('CREATE TABLE batches (id BIGINT)');
const appender = await db.createAppender('batches');
for (const id of batchIds) {
  appender.appendBigInt(BigInt(id));
  appender.endRow();
}
appender.closeSync();

let studentsFrom;
let studentsSql;
try {
  await db.run('LOAD sqlite');
  studentsFrom = 'sqlite extension';
  studentsSql = `sqlite_scan(${sqlString(o.students)}, 'students')`;
} catch {
  if (o.studentsCsv === null) throw new Error('the sqlite extension is not installed and no CSV export was given');
  studentsFrom = 'CSV export';
  studentsSql = `read_csv(${sqlString(o.studentsCsv)}, header = true, columns = {'id': 'BIGINT', 'name': 'VARCHAR', 'email': 'VARCHAR', 'batch_id': 'BIGINT', 'created_at': 'VARCHAR'})`;
}

const logs = `[${o.logs.map(sqlString).join(', ')}]`;
const q0 = performance.now();
const result = await db.runAndReadAll(`
  WITH runs AS (
    SELECT student_id, lesson_id, created_at
    FROM read_json(${logs}, format = 'newline_delimited',
                   columns = {'id': 'VARCHAR', 'student_id': 'BIGINT', 'lesson_id': 'BIGINT', 'passing_count': 'BIGINT',
                              'failure_count': 'BIGINT', 'created_at': 'VARCHAR'})
    WHERE failure_count = 0 AND passing_count > 0
  ), firsts AS (
    SELECT student_id, lesson_id, min(created_at) AS first_at FROM runs GROUP BY student_id, lesson_id
  ), completed AS (
    SELECT student_id, count(*) AS n, list_sort(list(first_at))[${Number(o.minLessons)}] AS qualified_at FROM firsts GROUP BY student_id
  ), st AS (
    SELECT s.id, s.batch_id, coalesce(c.n, 0) AS completed, c.qualified_at
    FROM ${studentsSql} s LEFT JOIN completed c ON c.student_id = s.id
  )
  SELECT b.id::DOUBLE AS id, count(st.id)::DOUBLE AS student_count,
         (count(st.id) FILTER (WHERE st.completed >= ${Number(o.minLessons)}))::DOUBLE AS qualified_students,
         coalesce(sum(epoch_ms(st.qualified_at::TIMESTAMP)), 0)::DOUBLE AS qualified_at_ms
  FROM batches b LEFT JOIN st ON st.batch_id = b.id
  GROUP BY b.id ORDER BY b.id`);
const queryMs = performance.now() - q0;
const batches = result.getRows();
db.closeSync();
instance.closeSync();
process.stdout.write(
  `${JSON.stringify({
    batches,
    studentsFrom,
    apiMs,
    queryMs,
    totalMs: performance.now() - started,
    // The kernel's own peak for this process (ru_maxrss), to set beside the parent's polling.
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
