import os from 'node:os';

/** One line naming the machine, printed above every benchmark's numbers. */
export function machineLine(): string {
  const cpus = os.cpus();
  return `machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown cpu'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.platform()} ${os.release()}`;
}
