// What is public: package.json's `exports` are exactly the api/ entry files (each with its
// compiled .js and .d.ts in dist/api), every entry loads and carries the names docs/api.md
// promises, and the build config emits JavaScript with rewritten `.ts` imports. Also
// bin/dist-state.js: dist/ runs only when it is newer than every source (and always in an
// installed package, which has no sources).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { distState } from '../../bin/dist-state.js';

const ROOT = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>;
  files: string[];
  scripts: Record<string, string>;
  bin: Record<string, string>;
};

/** api/ files that only serve the entries (re-exported from them, never a subpath of their own). */
const INTERNAL = new Set(['faults.ts', 'sim-case.ts', 'protocols-rudp.ts', 'protocols-mesh.ts', 'protocols-direct.ts']);

describe('package exports', () => {
  test('every api/ entry file is a subpath export to dist/api/<name>.js with its .d.ts, and nothing else is', () => {
    const entries = readdirSync(new URL('api/', ROOT)).filter((f) => f.endsWith('.ts') && !INTERNAL.has(f)).map((f) => f.slice(0, -3));
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json');
    expect(subpaths.sort()).toEqual(entries.map((e) => (e === 'index' ? '.' : `./${e}`)).sort());
    for (const name of entries) {
      const target = pkg.exports[name === 'index' ? '.' : `./${name}`];
      expect(target).toEqual({ types: `./dist/api/${name}.d.ts`, default: `./dist/api/${name}.js` });
    }
    expect(pkg.files).toContain('dist/');
    expect(pkg.files).toContain('bin/');
    expect(pkg.scripts['prepare']).toBe('node scripts/build-dist.mjs');
    expect(pkg.bin['peerlab']).toBe('bin/peerlab.js');
  });

  test('the build emits JavaScript and declarations with `.ts` imports rewritten', () => {
    const text = readFileSync(new URL('tsconfig.build.json', ROOT), 'utf8').replace(/^\s*\/\/.*$/gm, '');
    const config = JSON.parse(text) as { compilerOptions: Record<string, unknown>; include: string[] };
    expect(config.compilerOptions).toMatchObject({ noEmit: false, rewriteRelativeImportExtensions: true, declaration: true, outDir: 'dist' });
    expect(config.include).toContain('api');
  });

  test('each entry loads and exports what docs/api.md lists', async () => {
    const core = await import('../../api/core.ts');
    expect(Object.keys(core)).toEqual(expect.arrayContaining(['Reader', 'Writer', 'DecodeError', 'addr', 'ContractChecker', 'checked', 'BoundedQueue', 'nobleCrypto']));
    const sim = await import('../../api/sim.ts');
    expect(Object.keys(sim)).toEqual(expect.arrayContaining(['Simulator', 'NatBox', 'ContractViolation', 'Adversary', 'MemorySink']));
    const protocols = await import('../../api/protocols.ts');
    expect(typeof protocols.punch.PunchClient).toBe('function');
    expect(typeof protocols.rudp.RudpEndpoint).toBe('function');
    expect(typeof protocols.peer.Peer).toBe('function');
    expect(typeof protocols.transfer.FileTransfer).toBe('function');
    expect(typeof protocols.mesh.MeshNode).toBe('function');
    expect(typeof protocols.chord.ChordNode).toBe('function');
    const node = await import('../../api/node.ts');
    expect(Object.keys(node)).toEqual(expect.arrayContaining(['Driver', 'SecureSocket', 'SecureServer', 'nodeCrypto', 'NodeRng']));
    const scenario = await import('../../api/scenario.ts');
    expect(Object.keys(scenario)).toEqual(expect.arrayContaining(['defineScenario', 'runScenario', 'junitXml', 'equal', 'atMost']));
    const testApi = await import('../../api/test.ts');
    expect(Object.keys(testApi)).toEqual(expect.arrayContaining(['simTest', 'checkSim', 'runSimCase', 'parseSeeds']));
    const arb = await import('../../api/arb.ts');
    expect(Object.keys(arb)).toEqual(expect.arrayContaining(['faultSchedule', 'topology', 'plan', 'seed', 'applyFaults', 'buildTopology']));
    const index = await import('../../api/index.ts');
    expect(Object.keys(index).sort()).toEqual(['core', 'node', 'protocols', 'scenario', 'sim']);
  });
});

describe('bin/dist-state.js', () => {
  function fakeRoot(): { root: URL; dir: string } {
    const dir = mkdtempSync(join(tmpdir(), 'peerlab-dist-state-'));
    mkdirSync(join(dir, 'dist/runtime-node/cli'), { recursive: true });
    writeFileSync(join(dir, 'dist/runtime-node/cli/main.js'), '');
    mkdirSync(join(dir, 'protocol/core'), { recursive: true });
    writeFileSync(join(dir, 'protocol/core/a.ts'), '');
    return { root: pathToFileURL(`${dir}/`), dir };
  }
  const at = (path: string, s: number) => utimesSync(path, s, s);

  test('dist/ runs only when its stamp is newer than every source file and folder', () => {
    const { root, dir } = fakeRoot();
    try {
      expect(distState(root, {})).toMatch(/no build stamp/);
      writeFileSync(join(dir, 'dist/.build-stamp.json'), '{}');
      for (const p of ['protocol/core/a.ts', 'protocol/core', 'protocol']) at(join(dir, p), 1_000);
      at(join(dir, 'dist/.build-stamp.json'), 2_000);
      expect(distState(root, {})).toBe('dist');
      expect(distState(root, { PEERLAB_FROM_SOURCE: '1' })).toBe('PEERLAB_FROM_SOURCE=1');
      at(join(dir, 'protocol/core/a.ts'), 3_000); // an edit after the build
      expect(distState(root, {})).toMatch(/newer than dist/);
      at(join(dir, 'protocol/core/a.ts'), 1_000);
      writeFileSync(join(dir, 'protocol/core/new.ts'), ''); // a new file touches its folder
      at(join(dir, 'protocol/core/new.ts'), 1_000);
      expect(distState(root, {})).toMatch(/newer than dist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an installed package (no sources) runs dist/; no dist/ means the sources', () => {
    const { root, dir } = fakeRoot();
    try {
      rmSync(join(dir, 'protocol'), { recursive: true });
      expect(distState(root, {})).toBe('dist');
      rmSync(join(dir, 'dist'), { recursive: true });
      expect(distState(root, {})).toMatch(/no dist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
