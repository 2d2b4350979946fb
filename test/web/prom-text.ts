// A strict reader of Prometheus' text exposition format (0.0.4), written from its specification
// rather than from prom-client, so that a test knows /metrics is what a Prometheus server takes:
// every line a comment (HELP, TYPE), blank, or a sample of a declared family.

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const VALUE = '[-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf)|NaN';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (${VALUE})(?: -?[0-9]+)?$`);
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'], counter: ['', '_total'] };

export interface Scrape {
  types: Map<string, string>;
  /** `name{labels as written}` → value. */
  samples: Map<string, number>;
}

/** Parses `text`; throws naming the first line that is not valid. */
export function parsePrometheus(text: string): Scrape {
  const types = new Map<string, string>();
  const samples = new Map<string, number>();
  if (!text.endsWith('\n')) throw new Error('the exposition does not end with a newline');
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const bad = (why: string) => new Error(`line ${i + 1} ${JSON.stringify(line)}: ${why}`);
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
      if (m === null) {
        if (/^# (HELP|TYPE)/.test(line)) throw bad('a malformed HELP or TYPE');
        continue;
      }
      if (m[1] === 'TYPE') {
        if (!TYPES.has(m[3]!)) throw bad(`unknown type ${m[3]}`);
        if (types.has(m[2]!)) throw bad('a second TYPE for one family');
        types.set(m[2]!, m[3]!);
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    if (m === null) throw bad('not a sample');
    const name = m[1]!;
    const family = [...types.entries()].find(([f, type]) => (SUFFIXES[type] ?? ['']).some((s) => name === f + s));
    if (family === undefined) throw bad('a sample of no declared family');
    const key = `${name}{${m[2] ?? ''}}`;
    if (samples.has(key)) throw bad('a sample given twice');
    samples.set(key, m[3] === '+Inf' || m[3] === 'Inf' ? Infinity : Number(m[3]));
  }
  return { types, samples };
}

/** A sample's value: `metric('name', 'source="test_runs"')`; undefined when absent. */
export function sample(s: Scrape, name: string, labels = ''): number | undefined {
  return s.samples.get(`${name}{${labels}}`);
}
