// Every error the simulator raises at its edges, with stable wording that tests can match. The
// command turns a SimulatorError into a UsageError (exit 2): each one is a bad option, a source
// file that cannot be created, or a port that cannot be bound.

export class SimulatorError extends Error {
  override name = 'SimulatorError';
}

export const errors = {
  optionRange: (name: string, min: number, max: number, got: unknown) =>
    new SimulatorError(`${name} must be between ${min} and ${max}, got ${String(got)}`),
  optionInteger: (name: string, got: unknown) => new SimulatorError(`${name} must be an integer, got ${String(got)}`),
  optionType: (name: string, expected: string, got: unknown) =>
    new SimulatorError(`${name} must be ${expected}, got ${JSON.stringify(got) ?? String(got)}`),
  unknownFault: (name: string, known: readonly string[]) =>
    new SimulatorError(`unknown fault '${name}'; faults: ${known.join(', ')}, all`),
  sourceExists: (path: string) =>
    new SimulatorError(`${path} already exists; remove it or pass --reset (reset: true) to start over`),
  cannotCreate: (path: string, cause: Error) =>
    new SimulatorError(`cannot create ${path}: ${(cause as NodeJS.ErrnoException).code ?? cause.message}`),
  cannotListen: (port: number, cause: Error) => {
    const code = (cause as NodeJS.ErrnoException).code;
    const what = code === 'EADDRINUSE' ? 'address already in use; pick another --port or 0' : (code ?? cause.message);
    return new SimulatorError(`cannot listen on 127.0.0.1:${port}: ${what}`);
  },
  closed: () => new SimulatorError('the simulator is closed'),
  noHole: () =>
    new SimulatorError('no free student id below the high-water mark yet; insert more students first'),
  noBatch: () => new SimulatorError('no valid batch has been served yet'),
  unknownBatch: (id: number) => new SimulatorError(`batch ${id} has not been served as a valid batch`),
  noLine: () => new SimulatorError('no test-run line has been written yet'),
  // Node's own messages name the call and the path ("ENOSPC: no space left on device, write").
  liveStopped: (cause: Error) => new SimulatorError(`live generation stopped: ${cause.message.split('\n')[0]}`),
  notManual: () => new SimulatorError('step() needs live.manual: true, or the simulator paused'),
};
