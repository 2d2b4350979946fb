// Realistic-looking values: student names and emails (a pure function of seed and id, so that the
// ledger can give them back without storing millions of strings), batch names, timestamps.
import { hash32 } from './rng.ts';

const FIRST = [
  'Ada', 'Grace', 'Alan', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Ken', 'Frances', 'Edsger',
  'Radia', 'Tim', 'Hedy', 'Guido', 'Karen', 'Bjarne', 'Sophie', 'John', 'Katherine', 'Donald',
  'Zoë', 'José', 'Chloé', 'Björn', 'Amélie', 'Nikolaj', 'Aoife', 'Mateo', 'Priya', 'Wei',
  'Fatima', 'Kwame', 'Yuki', 'Olu', 'Ines', 'Rahul', 'Sven', 'Ana', 'Mohammed', 'Léa',
];
const LAST = [
  'Lovelace', 'Hopper', 'Turing', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov', 'Thompson', 'Allen',
  'Dijkstra', 'Perlman', 'Berners-Lee', 'Lamarr', 'van Rossum', 'Spärck Jones', 'Stroustrup', 'Wilson',
  'Backus', 'Johnson', 'Knuth', "O'Brien", 'García', 'Nguyen', 'Müller', 'Okafor', 'Tanaka', 'Kowalski',
  'Haddad', 'Singh', 'Chen', 'Mensah', 'Ivanova', 'Silva', 'Dubois', 'Rossi', 'Kim', 'Novak', 'Ali',
  'Larsen', 'Moreau',
];

function ascii(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z]/g, '').toLowerCase();
}
// Normalizing per student cost ~2 us each: 1M students spent seconds here before these tables.
const FIRST_ASCII = FIRST.map(ascii);
const LAST_ASCII = LAST.map(ascii);

/** The name of student `id` under `seed`: the same every time. */
export function studentName(seed: number, id: number): string {
  const h = hash32(seed ^ 0x6a09e667, id);
  return `${FIRST[h % FIRST.length]} ${LAST[(h >>> 8) % LAST.length]}`;
}

/** The email of student `id` under `seed`, or null (about one in twelve has none). */
export function studentEmail(seed: number, id: number): string | null {
  const h = hash32(seed ^ 0x6a09e667, id);
  if ((h >>> 24) % 12 === 0) return null;
  return `${FIRST_ASCII[h % FIRST.length]!}.${LAST_ASCII[(h >>> 8) % LAST.length]!}${id}@example.com`;
}

export const CAMPUSES = ['nyc', 'sf', 'sea', 'chi', 'hou', 'dc', 'atx', 'den', 'lon', 'online'] as const;
export const DISCIPLINES = ['web', 'ds', 'cyber', 'ux', 'se'] as const;

export const DAY_MS = 86_400_000;

/** `nyc-web-040124`: campus, discipline, and the start date as MMDDYY. */
export function batchName(campus: string, discipline: string, dayMs: number): string {
  return `${campus}-${discipline}-${mmddyy(dayMs)}`;
}

export function mmddyy(dayMs: number): string {
  const iso = new Date(dayMs).toISOString();
  return `${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(2, 4)}`;
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

const MS3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/**
 * ISO-8601 UTC with milliseconds, fast: the `YYYY-MM-DDT` prefix is cached per day and the time of
 * day assembled from tables. The history's test runs are ~5 s apart, so a per-second cache would
 * miss on every line; bench/simulator.ts compares this with `new Date(ms).toISOString()`.
 */
export class IsoFormatter {
  private day = Number.NaN;
  private prefix = '';

  format(ms: number): string {
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    }
    let x = ms - day * DAY_MS;
    const h = Math.floor(x / 3_600_000);
    x -= h * 3_600_000;
    const m = Math.floor(x / 60_000);
    x -= m * 60_000;
    const s = Math.floor(x / 1000);
    return `${this.prefix}${TWO[h]!}:${TWO[m]!}:${TWO[s]!}.${MS3[x - s * 1000]!}Z`;
  }
}
