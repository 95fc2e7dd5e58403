// The peerlab version, read once from package.json so traces and `peerlab help` agree with
// the package that is actually installed.
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function peerlabVersion(): string {
  if (cached === undefined) {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    const parsed = JSON.parse(text) as { version?: unknown };
    cached = typeof parsed.version === 'string' ? parsed.version : '0.0.0';
  }
  return cached;
}
