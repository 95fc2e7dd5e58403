// The `discovery` suite: LAN discovery by mDNS/DNS-SD and peerpy-style PING/PONG, and a peer
// found on the LAN connected directly (no rendezvous, no relay).
import type { Scenario } from '../scenario.ts';
import { mdnsScenarios } from './mdns.ts';

export const discoveryScenarios: Scenario[] = [...mdnsScenarios];
