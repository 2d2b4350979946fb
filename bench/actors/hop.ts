// The messages of the hop benchmark, declared once.
export type HopMsg =
  /** One record per message. */
  | { type: 'one'; id: number; studentId: number; lessonId: number; t: number }
  /** Many records per message, as objects (structured clone). */
  | { type: 'many'; records: Array<{ id: string; studentId: number; lessonId: number; passing: number; failing: number }> }
  /** Many records per message, packed into a transferred buffer: 4 int32 per record. */
  | { type: 'packed'; buffer: ArrayBuffer; count: number }
  /** A timed probe: `sentNs` from process.hrtime.bigint(), one monotonic clock for all threads. */
  | { type: 'probe'; sentNs: bigint }
  | { type: 'end'; startNs: bigint; records: number };

export type Mode = 'one' | 'many' | 'packed' | 'latency';
