// Shared by the rebuild, verify and top tests: a simulator with every hard case on, the flags that
// name its sources, and the warehouse's contract tables read as an outside tool would.
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import Database from 'better-sqlite3';
import type { Simulator, SimulatorOptions } from '../../src/simulator/index.ts';
import type { ExpectedWarehouse } from '../../src/simulator/expected.ts';
import { startSim, tempDir } from '../simulator/helpers.ts';

/** Ties larger than a page, late and re-served batches, bad records, backfills, early rows, rotations, a truncation. */
export async function hardSim(t: ExecutionContext, opts: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const sim = await startSim(t, {
    seed: 7,
    history: { batches: 300, students: 2_000, testRuns: 20_000 },
    faults: 'all',
    ...opts,
  });
  sim.addBatches(120, { sameCreatedAt: true });
  sim.addLateBatch();
  sim.serveBatchAgain(undefined, { changed: true });
  sim.addInvalidBatch();
  sim.insertBackfillStudent();
  sim.insertEarlyStudent();
  sim.insertInvalidStudent();
  sim.writeTestRuns(2_000);
  sim.writeEarlyTestRun();
  sim.writeBadLine();
  sim.rotate();
  sim.writeTestRuns(1_000);
  sim.writeDuplicateLine();
  sim.writeBlankLine();
  sim.truncate();
  sim.writeTestRuns(1_000);
  sim.writeBadLine();
  sim.rotate();
  sim.writeTestRuns(500);
  sim.writeSplitLine({ pauseMs: 50 });
  await sim.settled();
  return sim;
}

export function sourceFlags(sim: Simulator): string[] {
  return ['--api', sim.apiUrl, '--students', sim.studentsPath, '--log', sim.logPath];
}

export function warehousePath(t: ExecutionContext): string {
  return join(tempDir(t), 'warehouse.db');
}

export interface ContractTables {
  batches: ExpectedWarehouse['batches'];
  students: ExpectedWarehouse['students'];
  rejected: ExpectedWarehouse['rejected'];
}

/** The contract tables of a warehouse, opened read-only, in the shape of `sim.expected()`. */
export function readContract(path: string): ContractTables {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const batches = db
      .prepare('SELECT id, name, start_date, created_at, student_count, qualified_students FROM batches ORDER BY id')
      .all() as ContractTables['batches'];
    const students = db.prepare('SELECT id, name, email, batch_id, created_at, completed FROM students ORDER BY id').all() as ContractTables['students'];
    const rejected = { batches: 0, students: 0, test_runs: 0 };
    for (const r of db.prepare('SELECT source, count(*) AS n FROM rejected_records GROUP BY source').all() as { source: keyof typeof rejected; n: number }[]) {
      rejected[r.source] = r.n;
    }
    return { batches, students, rejected };
  } finally {
    db.close();
  }
}

/** `expected` as plain rows in the warehouse's column order (the ledger's records may carry more). */
export function plain(w: ExpectedWarehouse): ContractTables {
  return {
    batches: w.batches.map((b) => ({ id: b.id, name: b.name, start_date: b.start_date, created_at: b.created_at, student_count: b.student_count, qualified_students: b.qualified_students })),
    students: w.students.map((s) => ({ id: s.id, name: s.name, email: s.email, batch_id: s.batch_id, created_at: s.created_at, completed: s.completed })),
    rejected: w.rejected,
  };
}
