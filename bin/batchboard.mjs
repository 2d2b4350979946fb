#!/usr/bin/env node
// The bin runs the TypeScript sources directly through tsx, so `npx batchboard` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
