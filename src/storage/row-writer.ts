// Rows handed to SQLite many to a statement: for small rows (a rebuild's students, completion
// lists) the cost of each statement, not of the rows, was most of the writer's time.
import type Database from 'better-sqlite3';
import { INSERT_ROWS, type Statements } from './statements.ts';

/** Rows written INSERT_ROWS to a statement, the rest one by one. */
export class RowWriter {
  private readonly args: unknown[] = [];

  constructor(
    private readonly one: Database.Statement,
    private readonly many: Database.Statement,
    private readonly columns: number,
  ) {}

  add(...values: unknown[]): void {
    for (const v of values) this.args.push(v);
    if (this.args.length === this.columns * INSERT_ROWS) {
      this.many.run(this.args);
      this.args.length = 0;
    }
  }

  end(): void {
    for (let i = 0; i < this.args.length; i += this.columns) this.one.run(this.args.slice(i, i + this.columns));
    this.args.length = 0;
  }
}

/** Rows of completion_lists: a student, its lessons and their times, as the bytes of Float64Arrays. */
export class ListWriter {
  private readonly rows: RowWriter;

  constructor(st: Statements) {
    this.rows = new RowWriter(st.insertList, st.insertLists, 3);
  }

  add(student: number, lessons: Float64Array, times: Float64Array): void {
    this.rows.add(student, bytesOf(lessons), bytesOf(times));
  }

  end(): void {
    this.rows.end();
  }
}

const bytesOf = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
