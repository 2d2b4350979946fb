// The SQLite backend of the writer interface (writer.ts): a Warehouse (warehouse.ts) driven one
// transaction at a time. Everything is synchronous underneath; the promises only fit the interface.
import type { SourceName } from '../domain/records.ts';
import type { Offsets } from '../domain/offsets.ts';
import { Warehouse, type OpenOptions } from './warehouse.ts';
import type { Applied, WarehouseWriter, WriteTx } from './writer.ts';

export class SqliteWriter implements WarehouseWriter {
  readonly shown: string;

  private constructor(private readonly w: Warehouse) {
    this.shown = w.path;
  }

  /** Opens (creating when absent) the warehouse file, its completion set loaded, with its checkpoints on a thread of their own. */
  static open(path: string, opts: OpenOptions, onEvent: (event: string, fields: Record<string, unknown>) => void): SqliteWriter {
    const w = Warehouse.open(path, opts);
    try {
      w.preload();
    } catch (err) {
      void w.close();
      throw err;
    }
    w.startCheckpointer(50, onEvent);
    return new SqliteWriter(w);
  }

  async offset<S extends SourceName>(source: S): Promise<Offsets[S]> {
    return this.w.offset(source);
  }

  async knownStudentIds(): Promise<Float64Array> {
    return this.w.knownStudentIds();
  }

  async write(tx: WriteTx): Promise<Applied> {
    return this.w.apply(tx);
  }

  close(): Promise<void> {
    return this.w.close();
  }
}
