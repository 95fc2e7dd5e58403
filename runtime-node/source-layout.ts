// Where the running code sits: the TypeScript sources (run through tsx or vitest) or the
// compiled copy in dist/ (built by `npm run build`, at npm's `prepare`). Code that finds files
// next to itself (command and bench modules) or in the package (package.json, viz/) asks here,
// so both layouts work: dist/ mirrors the source tree one folder down.
import { fileURLToPath } from 'node:url';

/** '.js' when this module was compiled into dist/, '.ts' when it runs from the sources. */
export const MODULE_EXT: '.js' | '.ts' = import.meta.url.endsWith('.js') ? '.js' : '.ts';

/** The package's root folder (holds package.json, viz/, bin/), as a file: URL ending in '/'. */
export const PACKAGE_ROOT_URL = new URL(MODULE_EXT === '.js' ? '../../' : '../', import.meta.url);

/** The root of the code tree that is running: the package root, or its dist/. */
export const CODE_ROOT_URL = new URL('../', import.meta.url);

/** A path inside the package root (package.json, viz/), as a file system path. */
export function packagePath(relative: string): string {
  return fileURLToPath(new URL(relative, PACKAGE_ROOT_URL));
}

/** Whether a file name is a module of the running layout ('name.ts' or 'name.js', never a .d.ts). */
export function isModuleFile(file: string): boolean {
  return file.endsWith(MODULE_EXT) && !file.endsWith(`.d${MODULE_EXT}`);
}
