// One structured line per lifecycle event. The default writes JSON lines to stderr; tests and
// the CLI pass their own sink.
export type LogFields = Record<string, unknown>;
export type Logger = (event: string, fields: LogFields) => void;

export function jsonLineLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return (event, fields) => {
    write(JSON.stringify({ time: new Date().toISOString(), event, ...fields }) + '\n');
  };
}

export const silentLogger: Logger = () => {};
