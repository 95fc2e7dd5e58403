#!/usr/bin/env node
// The `peerlab` executable. It runs the compiled JavaScript in dist/ (built by `npm run build`,
// which npm runs at `prepare`, so `npm ci` and `npm pack` build it) when dist/ is there and no
// source file is newer than the build (bin/dist-state.js): Node then starts without
// transpiling anything, about a third of the CPU time of a start through tsx. Otherwise (a
// fresh edit, no build yet, PEERLAB_FROM_SOURCE=1) it registers tsx's ESM loader and runs the
// TypeScript sources, so `npm start` works on a clone before and after any build and an edited
// source is never shadowed by an old build. PEERLAB_DEBUG=1 says which it ran and why.
import { distState } from './dist-state.js';

const ROOT = new URL('../', import.meta.url);
const state = distState(ROOT);
if (process.env.PEERLAB_DEBUG === '1') process.stderr.write(`peerlab: running ${state === 'dist' ? 'dist/' : `the sources through tsx (${state})`}\n`);
let main;
if (state === 'dist') {
  ({ main } = await import(new URL('dist/runtime-node/cli/main.js', ROOT).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../runtime-node/cli/main.ts'));
}
// exitCode rather than process.exit(), so buffered stdout (a piped --json line) is flushed.
process.exitCode = await main(process.argv.slice(2));
