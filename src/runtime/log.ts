// One structured line per lifecycle event. The default writes JSON lines to stderr; tests and
// the CLI pass their own sink.
import { jsonVisible } from './text.ts';

export type LogFields = Record<string, unknown>;
export type Logger = (event: string, fields: LogFields) => void;

export function jsonLineLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return (event, fields) => {
    // Lines land on a terminal, and fields can hold text from the sources: C1 and bidi escaped too.
    write(jsonVisible(JSON.stringify({ time: new Date().toISOString(), event, ...fields })) + '\n');
  };
}

export const silentLogger: Logger = () => {};
