// Waiting in tests: poll a condition until it holds, with a deadline, never a bare sleep.

export interface WaitOptions {
  timeoutMs?: number;
  /** Named in the error on timeout: "timed out after N ms waiting for <what>"; a function is asked then. */
  what: string | (() => string);
  intervalMs?: number;
}

/**
 * Every deadline is this many times the one a test names: a deadline only says when to give up on
 * a condition that is not coming, and a machine several times slower than usual (CI's has been)
 * must not fail a test that is merely slow. BB_TEST_PATIENCE sets another factor.
 */
export const PATIENCE = Math.max(1, Number(process.env['BB_TEST_PATIENCE'] ?? 3) || 3);

/** Polls `predicate` until it returns a truthy value, which is returned; throws naming `what` on timeout. */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs: named = 15_000, what, intervalMs = 15 }: WaitOptions,
): Promise<NonNullable<T>> {
  const timeoutMs = named * PATIENCE;
  const start = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const v = await predicate();
      if (v) return v as NonNullable<T>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() - start > timeoutMs) {
      const why = lastError === undefined ? '' : ` (last error: ${(lastError as Error).message ?? String(lastError)})`;
      const named = typeof what === 'function' ? what() : what;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${named}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
