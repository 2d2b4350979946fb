// Waiting in tests: poll a condition until it holds, with a deadline, never a bare sleep.

export interface WaitOptions {
  timeoutMs?: number;
  /** Named in the error on timeout: "timed out after N ms waiting for <what>"; a function is asked then. */
  what: string | (() => string);
  intervalMs?: number;
}

/** Polls `predicate` until it returns a truthy value, which is returned; throws naming `what` on timeout. */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 15_000, what, intervalMs = 15 }: WaitOptions,
): Promise<NonNullable<T>> {
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
