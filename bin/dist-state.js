// Whether the compiled dist/ may run in place of the TypeScript sources: it exists, and no
// source file is newer than the build (a source saved while the build ran counts as newer: the
// build stamp carries the build's start time). An installed package ships dist/ without the
// sources, so there dist/ is the code. Used by bin/peerlab.js and by the packing test.
import { existsSync, readdirSync, statSync } from 'node:fs';

/** The folders compiled into dist/ (tsconfig.build.json's include). */
export const SOURCE_DIRS = ['api', 'protocol', 'runtime-sim', 'runtime-node', 'scenarios', 'swarm', 'bench'];

/** The newest mtime under `dir` among .ts files and the folders themselves (a deleted file touches its folder). */
function newestSource_ms(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) newest = Math.max(newest, newestSource_ms(new URL(`${entry.name}/`, dir)));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(new URL(entry.name, dir)).mtimeMs);
  }
  return newest;
}

/**
 * 'dist' when the compiled code may run, otherwise why not. `root` is the package root as a
 * file: URL ending in '/'.
 */
export function distState(root, env = process.env) {
  if (env.PEERLAB_FROM_SOURCE === '1') return 'PEERLAB_FROM_SOURCE=1';
  if (!existsSync(new URL('dist/runtime-node/cli/main.js', root))) return 'no dist/ build (npm run build makes one)';
  const sources = SOURCE_DIRS.map((dir) => new URL(`${dir}/`, root)).filter((dir) => existsSync(dir));
  if (sources.length === 0) return 'dist';
  const stamp = new URL('dist/.build-stamp.json', root);
  if (!existsSync(stamp)) return 'dist/ has no build stamp (a build is running or failed)';
  const built_ms = statSync(stamp).mtimeMs;
  for (const dir of sources) if (newestSource_ms(dir) > built_ms) return `sources in ${dir.pathname} are newer than dist/`;
  return 'dist';
}
