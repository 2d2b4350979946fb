import { UsageError } from '../errors.ts';

export async function run(_argv: string[]): Promise<number> {
  throw new UsageError('simulate: not available yet: it arrives with the simulator (issue 3)');
}
