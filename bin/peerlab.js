#!/usr/bin/env node
// The `peerlab` executable. It runs the compiled JavaScript in dist/ (built by `npm run build`,
// which npm runs at `prepare`, so `npm ci` and `npm pack` build it) when dist/ is there and no
// source file is newer than the build: Node then starts without transpiling anything. Otherwise
// (a fresh edit, a build that never ran, PEERLAB_FROM_SOURCE=1) it registers tsx's ESM loader
// and runs the TypeScript sources, so `npm start` works on a clone before and after any build
// and an edited source is never shadowed by an old build. An installed package ships dist/
// without the sources, so it always runs dist/.
import { existsSync, readdirSync, statSync } from 'node:fs';

const ROOT = new URL('../', import.meta.url);
const DIST_MAIN = new URL('dist/runtime-node/cli/main.js', ROOT);
/** Written by scripts/build-dist.mjs after a build, with the build's start time as its mtime. */
const STAMP = new URL('dist/.build-stamp.json', ROOT);
/** The folders compiled into dist/ (tsconfig.build.json's include). */
const SOURCE_DIRS = ['api', 'protocol', 'runtime-sim', 'runtime-node', 'scenarios', 'swarm', 'bench'];

/** The newest mtime under `dir` among .ts files and the folders themselves (a deleted file touches its folder). */
function newestSource_ms(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = new URL(entry.name, dir);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource_ms(new URL(`${entry.name}/`, dir)));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** 'dist' when the compiled code may run, otherwise why not (for PEERLAB_DEBUG=1). */
function choose() {
  if (process.env.PEERLAB_FROM_SOURCE === '1') return 'PEERLAB_FROM_SOURCE=1';
  if (!existsSync(DIST_MAIN)) return 'no dist/ build (npm run build makes one)';
  const sources = SOURCE_DIRS.map((dir) => new URL(`${dir}/`, ROOT)).filter((dir) => existsSync(dir));
  if (sources.length === 0) return 'dist'; // an installed package: dist/ is the code
  if (!existsSync(STAMP)) return 'dist/ has no build stamp (a build is running or failed)';
  const built_ms = statSync(STAMP).mtimeMs;
  for (const dir of sources) if (newestSource_ms(dir) > built_ms) return `sources in ${dir.pathname} are newer than dist/`;
  return 'dist';
}

const choice = choose();
if (process.env.PEERLAB_DEBUG === '1') process.stderr.write(`peerlab: running ${choice === 'dist' ? 'dist/' : `the sources through tsx (${choice})`}\n`);
let main;
if (choice === 'dist') {
  ({ main } = await import(DIST_MAIN.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../runtime-node/cli/main.ts'));
}
// exitCode rather than process.exit(), so buffered stdout (a piped --json line) is flushed.
process.exitCode = await main(process.argv.slice(2));
