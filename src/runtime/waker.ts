// Waiting until woken, stopped or timed out: the one way a loop here sleeps between rounds of work
// (a source waiting for its next poll, for an ack, for a file to grow).

export class Waker {
  private readonly waiting = new Set<() => void>();
  /** A wake() that came while nobody slept: the next sleep ends at once, so no event is lost. */
  private pending = false;

  constructor(private readonly signal: AbortSignal) {}

  /** Ends every sleep now (or the next one, when none is going on). */
  wake(): void {
    if (this.waiting.size === 0) this.pending = true;
    for (const w of [...this.waiting]) w();
  }

  /**
   * Resolves after `ms`, or as soon as the signal aborts, or (without `done`) at a wake(); with
   * `done`, a wake that finds done() false goes back to sleep. Resolves to done() (false without it).
   */
  async sleep(ms: number, done?: () => boolean): Promise<boolean> {
    const end = Date.now() + ms;
    for (;;) {
      if (done?.() === true) return true;
      const left = end - Date.now();
      if (this.signal.aborted || left <= 0) return done?.() ?? false;
      if (this.pending) {
        this.pending = false;
        if (done === undefined) return false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const finish = (): void => {
          clearTimeout(timer);
          this.waiting.delete(finish);
          this.signal.removeEventListener('abort', finish);
          resolve();
        };
        const timer = setTimeout(finish, left);
        this.waiting.add(finish);
        this.signal.addEventListener('abort', finish, { once: true });
      });
      if (done === undefined) return false;
    }
  }

  /** Waits `ms` whatever wakes come meanwhile; ends early only when stopped. */
  pause(ms: number): Promise<boolean> {
    return this.sleep(ms, () => false);
  }
}
