// Kernel-NAT lab, the one-sided conntrack clash on the accepting side (`conntrack-clash-b`):
// b sits behind the firewall-less masquerade and a's preseeded datagram owns b's tuple. The
// controlling side's re-punch (attempt 0) cannot undo it, the accepting side's (attempt 1,
// from b's spare port) does: the pair must end direct in the kernel and in the simulator's
// mirror (protocol/punch/repunch.ts; the controlling-side clash is in lab-clash.test.ts).
import { describe, it } from 'vitest';
import { checkLabCase, lab_case_timeout_ms, labSkip } from './lab-case.ts';

describe.skipIf(labSkip !== undefined)('kernel-NAT lab: conntrack-clash-b', () => {
  it('conntrack-clash-b', () => checkLabCase('conntrack-clash-b'), lab_case_timeout_ms);
});
