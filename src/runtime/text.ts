// Text that came from outside (a source's records, an API's error body, a peer's message) printed
// where a person reads it: a terminal interprets control characters, so a batch named
// "\u001b[2J" would clear the operator's screen, "\n" would forge leaderboard rows, OSC sequences
// set the window title, and U+202E reverses what follows. Such characters are shown as escapes.

// C0 controls, DEL, C1 controls (U+009B is a one-character CSI), the bidirectional marks,
// embeddings, overrides and isolates, and the line and paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// What JSON.stringify leaves as it is: everything above but C0 (which it escapes itself).
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const hex = (c: string, width: number): string => c.charCodeAt(0).toString(16).padStart(width, '0');

/** `text` with every control or bidirectional character shown as an escape: \x1b, \x9b, \u202e. */
export function visible(text: string): string {
  return text.replace(UNSAFE, (c) => (c.charCodeAt(0) < 0x100 ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`));
}

/** JSON text (from JSON.stringify) with C1 and bidirectional characters escaped too: still the same JSON. */
export function jsonVisible(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (c) => `\\u${hex(c, 4)}`);
}
