// The students table of CONTRACTS §2, written by the simulator's own connection in WAL mode:
// the history in one transaction, live rows in one small transaction per tick.
import Database from 'better-sqlite3';
import { errors } from './errors.ts';

export interface StudentRow {
  id: number;
  /** A Uint8Array only for the `name-blob` invalid row. */
  name: string | Uint8Array;
  email: string | null;
  /** A string or a non-integer only for the invalid rows. */
  batch_id: number | string;
  created_at: string;
}

export const STUDENTS_SCHEMA = `CREATE TABLE students (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  email      TEXT,
  batch_id   INTEGER NOT NULL,
  created_at TEXT NOT NULL
)`;

export class StudentsWriter {
  private readonly db: Database.Database;
  private readonly stmt: Database.Statement<[number, string | Uint8Array, string | null, number | string, string]>;

  constructor(readonly path: string) {
    try {
      this.db = new Database(path);
    } catch (err) {
      throw errors.cannotCreate(path, err as Error);
    }
    this.db.pragma('journal_mode = WAL');
    // NORMAL is durable across a crash of this process (not of the machine) in WAL mode, which is
    // all a simulated source needs, and keeps small live commits cheap.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(STUDENTS_SCHEMA);
    this.stmt = this.db.prepare('INSERT INTO students (id, name, email, batch_id, created_at) VALUES (?, ?, ?, ?, ?)');
  }

  insert(row: StudentRow): void {
    this.stmt.run(row.id, row.name, row.email, row.batch_id, row.created_at);
  }

  /** Runs `fn` in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
