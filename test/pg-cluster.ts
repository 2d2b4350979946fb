// A PostgreSQL server of the test's own (Debian's pg_createcluster), for what cannot be done to
// the shared one while other tests use it: restarting it mid-stream, refusing a password. Created
// on a free port with trust authentication on 127.0.0.1, dropped after the test. Needs root (or
// the postgres user), as on the project's machines and in CI.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';

const run = promisify(execFile);
const VERSION = '15';
let seq = 0;

export interface OwnCluster {
  name: string;
  port: number;
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  adminUrl: string;
  /** `pg_ctlcluster ... restart` (fast shutdown: sessions are ended). */
  restart(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function ctl(action: string, name: string): Promise<void> {
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', VERSION, name, action], { timeout: 60_000 });
}

/**
 * A new cluster. `hbaFirst` lines go into pg_hba.conf before the trust lines (e.g. a user that
 * must give a password); the server is started after.
 */
export async function ownCluster(t: ExecutionContext, hbaFirst: string[] = []): Promise<OwnCluster> {
  const name = `bbtest_${process.pid}_${seq++}`;
  const port = await freePort();
  const data = path.join(os.tmpdir(), `${name}-data`);
  const log = path.join(os.tmpdir(), `${name}.log`);
  try {
    await run('pg_createcluster', ['-q', VERSION, name, '-p', String(port), '--start-conf=manual', '-d', data, '-l', log, '--', '--auth=trust'], { timeout: 120_000 });
  } catch (err) {
    throw new Error(`cannot create a PostgreSQL cluster of the test's own (pg_createcluster, as root or postgres): ${(err as Error).message}`);
  }
  t.teardown(async () => {
    await run('pg_dropcluster', ['--stop', VERSION, name]).catch(() => {});
    rmSync(data, { recursive: true, force: true });
    rmSync(log, { force: true });
  });
  const hbaFile = `/etc/postgresql/${VERSION}/${name}/pg_hba.conf`;
  if (hbaFirst.length > 0) writeFileSync(hbaFile, hbaFirst.join('\n') + '\n' + readFileSync(hbaFile, 'utf8'));
  await ctl('start', name);
  return {
    name,
    port,
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: () => ctl('restart', name),
  };
}
