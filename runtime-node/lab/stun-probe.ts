// Runs the probe program's `stun` mode inside a namespace (or here) and parses its answer.
import { fileURLToPath } from 'node:url';
import { nodeTs, runIn } from './exec.ts';
import { MODULE_EXT } from '../source-layout.ts';

export const PROBE_ENTRY = fileURLToPath(new URL(`./probe-main${MODULE_EXT}`, import.meta.url));

export interface ProbeResult {
  local_port: number;
  mapped?: string;
  received: string[];
  rtt_ms?: number;
}

export async function runProbe(namespace: string, args: string[]): Promise<ProbeResult> {
  const out = await runIn(namespace, [...nodeTs(PROBE_ENTRY), ...args]);
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as ProbeResult;
}

export function stunBindingProbe(options: { namespace: string; server: string; port?: number; timeout_ms: number }): Promise<ProbeResult> {
  const args = ['stun', options.server, '--for', String(options.timeout_ms)];
  if (options.port !== undefined) args.push('--port', String(options.port));
  return runProbe(options.namespace, args);
}
