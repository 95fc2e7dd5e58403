// Shared body of the lab case tests: run one case in a fresh lab (torn down afterwards), and
// check the kernel reached the expected path, the simulator agrees, and nothing is left over.
import { expect } from 'vitest';
import { findCase } from '../../../runtime-node/lab/cases.ts';
import { runConnectCase, type ConnectRow } from '../../../runtime-node/lab/connect-case.ts';
import { withLab } from '../../../runtime-node/lab/harness.ts';
import { listLabNamespaces } from '../../../runtime-node/lab/namespaces.ts';
import { missingPrerequisites } from '../prerequisites.ts';

export const labSkip = missingPrerequisites({ root: true, tools: ['ip', 'nft', 'turnserver'] });

/** Wall-clock budget of one case: fresh lab, connect + transfer in the kernel and the mirror, teardown. */
export const lab_case_timeout_ms = 90_000;

/** Small enough to keep each test file near 30 s, large enough to cross the relay limits' scale. */
const lab_transfer_bytes = 512 * 1024;

export async function checkLabCase(name: string): Promise<ConnectRow> {
  const labCase = findCase(name)!;
  let prefix = '';
  const row = await withLab((session) => {
    prefix = session.net.prefix;
    return runConnectCase(session, labCase, { transfer_bytes: lab_transfer_bytes });
  });
  const reproduce = `reproduce: sudo peerlab lab ${name}`;
  expect(row.kernel.ok, `${reproduce}\nkernel: ${row.kernel.error}`).toBe(true);
  expect(row.kernel.path, reproduce).toBe(labCase.expectedPath);
  expect(row.sim.path, `${reproduce} (simulator mirror)`).toBe(labCase.expectedPath);
  if (labCase.expectedNat) {
    // Classified through the RFC 5780 rendezvous: the NAT each peer reports, and the technique
    // its strategy led to, in the kernel and (by `agree`) in the simulator.
    expect({ a: row.kernel.nat_a, b: row.kernel.nat_b }, `${reproduce}: NAT classification`).toEqual(labCase.expectedNat);
    expect(row.kernel.technique, `${reproduce}: technique`).toBe(labCase.expectedTechnique);
  }
  expect(row.agree, `${reproduce}: kernel ${JSON.stringify(row.kernel)} vs sim ${JSON.stringify(row.sim)}`).toBe(true);
  expect(listLabNamespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
  return row;
}
