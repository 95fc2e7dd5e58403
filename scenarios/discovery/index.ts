// The `discovery` suite: LAN discovery by mDNS/DNS-SD and peerpy-style PING/PONG, and a peer
// found on the LAN connected directly (no rendezvous, no relay). The typed-connection
// scenarios (scenarios/typed) are in this suite too.
import type { Scenario } from '../scenario.ts';
import { lanConnect } from './lan-connect.ts';
import { mdnsScenarios } from './mdns.ts';

export const discoveryScenarios: Scenario[] = [...mdnsScenarios, lanConnect];
