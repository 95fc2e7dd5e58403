// Kernel-NAT lab, overlap-lan (issue 15, never connect to yourself): two homes behind one
// carrier NAT with the same LAN addresses and ports; `peerlab connect` must reach the relay and
// finish the transfer instead of connecting to its own socket. Compared with the simulator's
// mirror (runtime-node/lab/cases.ts); the simulator's own overlap topology with a hairpinning
// carrier NAT is `peerlab run 'nat-matrix/overlap-lan/*'`.
import { describe, it } from 'vitest';
import { checkLabCase, lab_case_timeout_ms, labSkip } from './lab-case.ts';

describe.skipIf(labSkip !== undefined)('kernel-NAT lab: overlap-lan', () => {
  for (const name of ['overlap-lan']) {
    it(name, () => checkLabCase(name), lab_case_timeout_ms);
  }
});
