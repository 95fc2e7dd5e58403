// Plumbing check for a lab case with plain UDP: each peer asks coturn for its mapped address,
// then both send hellos at each other's mapped address at once. Cone NATs let the hellos
// through; symmetric NATs do not. This validates the routers before any protocol runs.
import { startCoturn } from './coturn.ts';
import { sleep } from './exec.ts';
import type { LabCase } from './cases.ts';
import type { LabSession } from './harness.ts';
import { runProbe } from './stun-probe.ts';
import { buildTopology, INTERNET } from './topology.ts';

export interface ProbeOutcome {
  case: string;
  mapped: Record<string, string | undefined>;
  /** what each peer heard from during the simultaneous send */
  heard: Record<string, string[]>;
  through: 'both' | 'one' | 'none';
}

/** Local port the probes use, so port preservation is visible in the mapped address. */
const probe_port = 40_000;

export async function probeCase(session: LabSession, labCase: LabCase, log?: (line: string) => void): Promise<ProbeOutcome> {
  const built = await buildTopology(session.net, labCase.topology);
  const coturn = await startCoturn({ namespace: built.internet, listenIp: INTERNET.serverIp, port: INTERNET.coturnPort });
  session.defer(coturn.stop);
  log?.(`lab ${labCase.name}: coturn ready in ${built.internet}, probing`);
  const server = `${INTERNET.serverIp}:${INTERNET.coturnPort}`;
  const mapped: Record<string, string | undefined> = {};
  for (const host of ['a', 'b']) {
    const result = await runProbe(built.namespaces.get(host)!, ['stun', server, '--port', String(probe_port), '--for', '3000']);
    mapped[host] = result.mapped;
  }
  const heard: Record<string, string[]> = { a: [], b: [] };
  if (mapped.a && mapped.b) {
    const lead_ms = labCase.probe_b_lead_ms ?? 0;
    const rb = runProbe(built.namespaces.get('b')!, ['punch', mapped.a, '--port', String(probe_port), '--for', String(1500 + lead_ms)]);
    if (lead_ms > 0) await sleep(lead_ms);
    const ra = runProbe(built.namespaces.get('a')!, ['punch', mapped.b, '--port', String(probe_port), '--for', '1500']);
    const [resultA, resultB] = await Promise.all([ra, rb]);
    heard.a = resultA.received;
    heard.b = resultB.received;
  }
  const count = (heard.a!.length > 0 ? 1 : 0) + (heard.b!.length > 0 ? 1 : 0);
  return { case: labCase.name, mapped, heard, through: count === 2 ? 'both' : count === 1 ? 'one' : 'none' };
}
