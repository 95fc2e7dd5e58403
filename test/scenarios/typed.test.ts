// The `typed` suite (peerpy-style typed connections through a NAT at 5% loss) and the
// discovery suite's LAN-connect scenario hold on several seeds. The full check is
// `peerlab run typed --seeds 1..20` and `peerlab run discovery --seeds 1..20`.
import { describe } from 'vitest';
import { passesOnSeeds as passes } from './scenario-seeds.ts';


describe('typed suite', () => {
  passes('typed/accept', [1, 2]);
  passes('typed/deny', [1, 2]);
  passes('typed/strict-violation', [1, 2]);
  passes('typed/non-strict', [1]);
  passes('typed/stream-fixed', [1]);
  passes('typed/max-connections', [1]);
  passes('typed/dial-timeout', [1]);
  passes('typed/vanish-mid-message', [1, 2]);
  passes('discovery/lan-connect', [1, 2]);
});
