import os from 'node:os';

/** One line naming the machine, printed above every benchmark's numbers. */
export function machineLine(): string {
  const cpus = os.cpus();
  return `machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown cpu'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB (${(os.freemem() / 2 ** 30).toFixed(1)} free), node ${process.version}, ${os.platform()} ${os.release()}`;
}
