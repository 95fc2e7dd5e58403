// The transfer suite: the FileTransfer machine of `peerlab connect` between NATed peers (16 MiB
// at three loss rates, over a long-RTT path, through the relay between symmetric NATs, and a
// relay limit both sides must report), plus NAT rebinding and partition healing on the bare
// transport, and an interactive thin stream under loss (thin-stream.ts).
import type { Scenario } from '../scenario.ts';
import { transferFaults } from './direct.ts';
import { transfer16MiB } from './punched.ts';
import { thinStreamScenario } from './thin-stream.ts';

export const transferScenarios: Scenario[] = [...transfer16MiB, ...transferFaults, thinStreamScenario];
