// `npm run build` (and npm's `prepare`, so `npm ci` and `npm pack` run it): compiles the
// sources into dist/ with tsconfig.build.json (JavaScript + declaration files, `.ts` imports
// rewritten to `.js`). It builds into .dist-next/ and swaps it in, so a `peerlab` process
// started meanwhile sees either the old build or the new one, never half of one. Type errors
// are reported but do not stop the build (`npm run typecheck` is the gate for types; a clone
// must install even mid-refactor); a build that emits nothing fails. Without TypeScript
// (an install that omitted devDependencies) it builds nothing and says so: bin/peerlab.js
// then runs the sources through tsx.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const next = `${root}.dist-next`;
const dist = `${root}dist`;
const old = `${root}.dist-old`;
const require = createRequire(import.meta.url);

let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  process.stderr.write('build: typescript is not installed (devDependencies omitted), so no dist/; bin/peerlab.js runs the sources through tsx\n');
  process.exit(0);
}

const started = new Date();
rmSync(next, { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', next], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const errors = (result.stdout.match(/error TS\d+/g) ?? []).length;
if (!existsSync(`${next}/runtime-node/cli/main.js`) || !existsSync(`${next}/api/core.js`)) {
  process.stderr.write(result.stdout);
  process.stderr.write('build: tsc emitted no dist (see above)\n');
  process.exit(1);
}
if (errors > 0) {
  process.stderr.write(result.stdout);
  process.stderr.write(`build: ${errors} type errors (JavaScript emitted anyway; npm run typecheck fails until they are fixed)\n`);
}
const stamp = `${next}/.build-stamp.json`;
writeFileSync(stamp, `${JSON.stringify({ built_at: started.toISOString(), type_errors: errors })}\n`);
// The stamp's mtime is the build's start: a source saved while tsc ran counts as newer.
utimesSync(stamp, started, started);
rmSync(old, { recursive: true, force: true });
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
process.stderr.write(`build: dist/ in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s\n`);
