// Shared by the rebuild, verify and top tests: a simulator with every hard case on, the flags that
// name its sources, and the warehouse's contract tables read as an outside tool would.
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { plainRows, type ContractTables } from '../warehouse-rows.ts';
import { readContractTables } from '../backends.ts';
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

export type { ContractTables } from '../warehouse-rows.ts';

/** The contract tables of a warehouse that exists, in the shape of `sim.expected()`. */
export async function readContract(path: string): Promise<ContractTables> {
  const rows = await readContractTables(path);
  if (rows === null) throw new Error(`${path} holds no warehouse`);
  return rows;
}

/** `expected` as plain rows in the warehouse's column order (the ledger's records may carry more). */
export function plain(w: ExpectedWarehouse): ContractTables {
  return plainRows(w);
}
