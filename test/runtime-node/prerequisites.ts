// Loud skipping for tests that need root, nftables or coturn: when a tool is missing the
// test says why on stderr and skips, unless PEERLAB_REQUIRE_ALL=1 (CI), where it fails.
import { execFileSync } from 'node:child_process';

export function hasTool(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Returns the reason to skip, or undefined when everything is present. Throws in CI mode. */
export function missingPrerequisites(needs: { root?: boolean; tools?: string[] }): string | undefined {
  const missing: string[] = [];
  if (needs.root && !isRoot()) missing.push('root');
  for (const tool of needs.tools ?? []) if (!hasTool(tool)) missing.push(tool);
  if (missing.length === 0) return undefined;
  const reason = `missing ${missing.join(', ')}`;
  if (process.env.PEERLAB_REQUIRE_ALL === '1') {
    throw new Error(`PEERLAB_REQUIRE_ALL=1 but ${reason}: install nftables coturn iproute2 and run as root`);
  }
  process.stderr.write(`\n*** SKIPPED LOUDLY: ${reason} ***\n\n`);
  return reason;
}
