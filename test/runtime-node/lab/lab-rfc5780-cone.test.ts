// Kernel-NAT lab with an RFC 5780 rendezvous (`peerlab rendezvous --alternate`, issue 9
// finding 6): each peer classifies its own NAT through the four address/port pairs, so the
// strategy follows from real reports: simultaneous open between cones, birthday probing
// against fully-random symmetric, port prediction against a sequential (nftables numgen)
// symmetric NAT, relay at once between two random symmetric NATs. Kernel and simulator
// must agree on classification, technique and path (see runtime-node/lab/cases.ts).
import { describe, it } from 'vitest';
import { checkLabCase, lab_case_timeout_ms, labSkip } from './lab-case.ts';

describe.skipIf(labSkip !== undefined)('kernel-NAT lab: NATs classified through an RFC 5780 rendezvous (cones, birthday)', () => {
  for (const name of ['rfc5780-cone-cone', 'rfc5780-fullcone-symmetric']) {
    it(name, () => checkLabCase(name), lab_case_timeout_ms);
  }
});
