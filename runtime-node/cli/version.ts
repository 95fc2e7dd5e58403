// The peerlab version, read once from package.json so traces and `peerlab help` agree with
// the package that is actually installed.
import { readFileSync } from 'node:fs';
import { packagePath } from '../source-layout.ts';

let cached: string | undefined;

export function peerlabVersion(): string {
  if (cached === undefined) {
    const text = readFileSync(packagePath('package.json'), 'utf8');
    const parsed = JSON.parse(text) as { version?: unknown };
    cached = typeof parsed.version === 'string' ? parsed.version : '0.0.0';
  }
  return cached;
}
