#!/usr/bin/env node
// The `peerlab` executable: registers tsx's ESM loader so Node runs the TypeScript sources
// directly (no build step), then hands the arguments to runtime-node/cli/main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../runtime-node/cli/main.ts');
// exitCode rather than process.exit(), so buffered stdout (a piped --json line) is flushed.
process.exitCode = await main(process.argv.slice(2));
