// Real headless Chromium for the browser tests: Debian's `chromium` (on PATH; .ci/run installs it),
// driven by playwright-core, with a fresh profile per test and the flags that keep it off the
// network (without the background-networking ones it floods a closed network with connections).
import { execFileSync } from 'node:child_process';
import type { ExecutionContext } from 'ava';
import { chromium, type BrowserContext } from 'playwright-core';
import { tempDir } from '../e2e/helpers.ts';

export function chromiumPath(): string {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is not on PATH: apt-get install -y chromium (.ci/run does)');
  }
}

/** A browser of the test's own, closed after it. */
export async function browser(t: ExecutionContext): Promise<BrowserContext> {
  const ctx = await chromium.launchPersistentContext(tempDir(t, 'bb-chromium-'), {
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(() => ctx.close());
  return ctx;
}
