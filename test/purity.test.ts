// Determinism guard: protocol/ and runtime-sim/ must not read clocks, draw ambient
// randomness, set timers or import Node built-ins. Comments are stripped first, so a comment
// explaining the rule does not trip it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
const GUARDED_DIRS = ['protocol', 'runtime-sim'];

const FORBIDDEN: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bMath\s*\.\s*random\b/, 'Math.random'],
  [/\bDate\s*\.\s*now\b/, 'Date.now'],
  [/\bnew\s+Date\s*\(\s*\)/, 'new Date()'],
  [/\bperformance\s*\.\s*now\b/, 'performance.now'],
  [/\bsetTimeout\b/, 'setTimeout'],
  [/\bsetInterval\b/, 'setInterval'],
  [/\bsetImmediate\b/, 'setImmediate'],
  [/\bprocess\s*\.\s*hrtime\b/, 'process.hrtime'],
];

/** Module specifiers of static imports, re-exports, dynamic imports and requires. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

/** Removes block and line comments (leaving strings alone is good enough for this check). */
export function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

export function violations(source: string): string[] {
  const code = stripComments(source);
  const found: string[] = [];
  for (const [pattern, label] of FORBIDDEN) if (pattern.test(code)) found.push(label);
  for (const match of code.matchAll(SPECIFIER)) {
    const specifier = match[1]!;
    if (specifier.startsWith('node:') || builtinModules.includes(specifier)) found.push(`import ${specifier}`);
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mts|mjs)$/.test(entry) ? [path] : [];
  });
}

describe('purity of protocol/ and runtime-sim/', () => {
  it('the checker catches each forbidden use and ignores comments', () => {
    expect(violations('const x = Math.random();')).toEqual(['Math.random']);
    expect(violations('const t = Date.now();\nsetTimeout(f, 1);')).toEqual(['Date.now', 'setTimeout']);
    expect(violations("import { readFileSync } from 'node:fs';")).toEqual(['import node:fs']);
    expect(violations("import crypto from 'crypto';")).toEqual(['import crypto']);
    expect(violations("const m = await import('node:dgram');")).toEqual(['import node:dgram']);
    expect(violations('// never call Math.random or setInterval here\n/* Date.now */ const a = 1;')).toEqual([]);
    expect(violations("import { x } from './node-ish.ts'; const url = 'http://a/b';")).toEqual([]);
  });

  const files = GUARDED_DIRS.flatMap((dir) => sourceFiles(join(ROOT, dir)));

  it('finds the sources to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('no file uses clocks, ambient randomness, timers or Node built-ins', () => {
    const offenders = files
      .map((file) => ({ file: relative(ROOT, file), found: violations(readFileSync(file, 'utf8')) }))
      .filter((entry) => entry.found.length > 0)
      .map((entry) => `${entry.file}: ${entry.found.join(', ')}`);
    expect(offenders).toEqual([]);
  });
});

// One place per idea: UTF-8 goes through protocol/core/bytes.ts (one shared encoder and the
// lenient and strict decoders), never a TextEncoder/TextDecoder of each file's own.
const UTF8_DIRS = ['protocol', 'runtime-sim', 'runtime-node', 'scenarios', 'swarm', 'api', 'bench'];
const UTF8_HOME = join('protocol', 'core', 'bytes.ts');
const OWN_CODEC = /\bnew\s+Text(?:En|De)coder\b/;

describe('UTF-8 lives in protocol/core/bytes.ts', () => {
  it('the checker catches an own encoder or decoder and ignores comments', () => {
    expect(OWN_CODEC.test(stripComments('const e = new TextEncoder();'))).toBe(true);
    expect(OWN_CODEC.test(stripComments("const d = new TextDecoder('utf-8', { fatal: true });"))).toBe(true);
    expect(OWN_CODEC.test(stripComments('// not a new TextEncoder() here\nconst a = utf8(x);'))).toBe(false);
  });

  it('no other source file makes its own TextEncoder or TextDecoder', () => {
    const offenders = UTF8_DIRS.flatMap((dir) => sourceFiles(join(ROOT, dir)))
      .map((file) => relative(ROOT, file))
      .filter((file) => file !== UTF8_HOME && OWN_CODEC.test(stripComments(readFileSync(join(ROOT, file), 'utf8'))));
    expect(offenders, 'use utf8 / fromUtf8 / fromUtf8Strict from protocol/core/bytes.ts').toEqual([]);
  });
});
