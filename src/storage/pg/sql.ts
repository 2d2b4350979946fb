// The PostgreSQL writer's statements. Each is prepared once per connection (a named statement) and
// takes whole arrays (unnest): one round trip per kind of record and transaction, none per record.
// search_path is the warehouse's schema (connect.ts).

/**
 * New pairs, de-duplicated by the unique key whichever pipeline saw them first, and stored pairs
 * given an earlier time than they had; what comes back, per student touched, is the number of pairs
 * THIS statement inserted (xmax = 0: a row inserted, not updated): the counts move by exactly that.
 * Pairs arrive sorted (prepare.ts) and unnest yields them in order, so concurrent writers take the
 * key locks in one order.
 */
const UPSERT_COMPLETIONS = (source: string) => `
WITH touched AS (
  INSERT INTO completions AS c (student_id, lesson_id, completed_at)
  ${source}
  ON CONFLICT (student_id, lesson_id) DO UPDATE SET completed_at = excluded.completed_at
  WHERE c.completed_at IS NULL OR excluded.completed_at < c.completed_at
  RETURNING student_id, xmax = 0 AS inserted, c.completed_at)
SELECT student_id, (count(*) FILTER (WHERE inserted))::int AS k, min(completed_at) AS t FROM touched GROUP BY student_id ORDER BY student_id`;

export const INSERT_COMPLETIONS = UPSERT_COMPLETIONS('SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[])');

/** The same from the session's temporary table (filled by COPY), for transactions of many pairs. */
export const INSERT_COMPLETIONS_COPIED = UPSERT_COMPLETIONS('SELECT student_id, lesson_id, completed_at FROM bb_pairs');

export const CREATE_PAIRS_TABLE = 'CREATE TEMPORARY TABLE IF NOT EXISTS bb_pairs (student_id bigint, lesson_id bigint, completed_at timestamptz) ON COMMIT DELETE ROWS';

/** A student's qualified_at (CONTRACTS §4): the $min-th earliest of its lessons' times. */
const QUALIFIED_AT = (id: string, min: string) =>
  `(SELECT c.completed_at FROM completions c WHERE c.student_id = ${id} ORDER BY c.completed_at OFFSET ${min} - 1 LIMIT 1)`;

/** The students $1 (rows this transaction has locked) given their qualified_at for the minimum $2. */
export const SET_QUALIFIED_AT = `
UPDATE students s SET qualified_at = q.at
FROM (SELECT id, ${QUALIFIED_AT('id', '$2')} AS at FROM unnest($1::bigint[]) AS u(id)) q
WHERE s.id = q.id AND s.qualified_at IS DISTINCT FROM q.at`;

/** Every student's qualified_at for the minimum $1 (another --min-lessons than the stored one). */
export const RECOMPUTE_QUALIFIED_AT = `
UPDATE students s SET qualified_at = q.at
FROM (SELECT id, ${QUALIFIED_AT('id', '$1')} AS at FROM students) q
WHERE s.id = q.id AND s.qualified_at IS DISTINCT FROM q.at`;

/**
 * Stored students raised by the lessons they gained here. The rows are locked in id order first (the
 * CTE l), so that two writers raising the same students never wait for each other in a cycle; each
 * row comes back with its new count and what this transaction added, which tells whether it crossed
 * the minimum now.
 */
export const RAISE_STUDENTS = `
WITH d AS (SELECT * FROM unnest($1::bigint[], $2::int[]) AS d(id, k)),
l AS (SELECT s.id FROM students s WHERE s.id = ANY ($1::bigint[]) ORDER BY s.id FOR NO KEY UPDATE)
UPDATE students s SET completed = s.completed + d.k
FROM d JOIN l ON l.id = d.id
WHERE s.id = d.id
RETURNING s.id, s.batch_id, s.completed, d.k, s.qualified_at`;

/** New students, each starting with every pair already stored for it (this transaction's included). */
export const INSERT_STUDENTS = `
INSERT INTO students (id, name, email, batch_id, created_at, completed, qualified_at)
SELECT n.id, n.name, n.email, n.batch_id, n.created_at,
       (SELECT count(*) FROM completions c WHERE c.student_id = n.id),
       ${QUALIFIED_AT('n.id', '$6')}
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[]) AS n(id, name, email, batch_id, created_at)
ON CONFLICT (id) DO NOTHING
RETURNING batch_id, completed`;

/** Stored batches' counts moved by what this transaction inserted; rows locked in id order. */
export const MOVE_BATCH_COUNTS = `
WITH d AS (SELECT * FROM unnest($1::bigint[], $2::int[], $3::int[]) AS d(id, n, q)),
l AS (SELECT b.id FROM batches b WHERE b.id = ANY ($1::bigint[]) ORDER BY b.id FOR NO KEY UPDATE)
UPDATE batches b SET student_count = b.student_count + d.n, qualified_students = b.qualified_students + d.q, updated_at = $4
FROM d JOIN l ON l.id = d.id
WHERE b.id = d.id`;

/**
 * Batches by id: a new one starts with the counts of its students already stored; a stored one takes
 * the version given when it differs and is not older (created_at): a pipeline reading the API behind
 * another does not put an older version back.
 */
export const UPSERT_BATCHES = `
INSERT INTO batches AS b (id, name, start_date, created_at, student_count, qualified_students, updated_at)
SELECT v.id, v.name, v.start_date, v.created_at,
       (SELECT count(*) FROM students s WHERE s.batch_id = v.id),
       (SELECT count(*) FROM students s WHERE s.batch_id = v.id AND s.completed >= $5),
       $6
FROM unnest($1::bigint[], $2::text[], $3::date[], $4::timestamptz[]) AS v(id, name, start_date, created_at)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, start_date = excluded.start_date, created_at = excluded.created_at, updated_at = excluded.updated_at
WHERE (b.name, b.start_date, b.created_at) IS DISTINCT FROM (excluded.name, excluded.start_date, excluded.created_at)
  AND excluded.created_at >= b.created_at`;

/** Rejections, each (source, key) once whichever pipeline saw it. */
export const INSERT_REJECTED = `
INSERT INTO rejected_records (source, reason, raw, seen_at, key)
SELECT r.source, r.reason, r.raw, $5, r.key FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS r(source, reason, raw, key)
ON CONFLICT (source, key) DO NOTHING`;

/** This pipeline's lost log history, each key once. */
export const INSERT_LOST = `
INSERT INTO log_history (pipeline, reason, file, pos, seen_at, key)
SELECT $1, h.reason, h.file, h.pos, $6, h.key FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[]) AS h(reason, file, pos, key)
ON CONFLICT (pipeline, key) DO NOTHING`;

/** This pipeline's offsets, and the id of this transaction (what tells, after a lost answer, whether its commit took place). */
export const SET_OFFSETS = `
WITH o AS (
  INSERT INTO offsets (pipeline, source, value, updated_at)
  SELECT $1, o.source, o.value, $4 FROM unnest($2::text[], $3::text[]) AS o(source, value)
  ON CONFLICT (pipeline, source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
  RETURNING 1)
UPDATE pipelines SET last_tx = $5, updated_at = $4 WHERE name = $1`;

/** Every batch's qualified_students for the minimum $1 (another --min-lessons than the stored one). */
export const RECOUNT_QUALIFIED = `
WITH c AS (SELECT b.id, (SELECT count(*) FROM students s WHERE s.batch_id = b.id AND s.completed >= $1)::int AS q FROM batches b)
UPDATE batches b SET qualified_students = c.q, updated_at = $2
FROM c WHERE b.id = c.id AND b.qualified_students <> c.q`;

export const KNOWN_STUDENT_IDS = "SELECT id::text FROM students UNION ALL SELECT key FROM rejected_records WHERE source = 'students'";
