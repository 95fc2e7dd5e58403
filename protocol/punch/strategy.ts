// Which traversal technique a pair of peers uses, decided from the two NAT reports alone so
// both sides pick the same one without talking (the rendezvous gives each the other's report):
//   both easy (EIM)                    -> simultaneous open on reflexive candidates
//   easy + sequential EDM              -> port prediction (probe the next ports of the hard side)
//   sequential EDM + sequential EDM    -> port prediction in lockstep (j-th probe to j-th port)
//   easy + random EDM                  -> birthday probing (hard side opens many ports, easy
//                                         side probes random ports; nat.md section 2.2)
//   random EDM + any EDM               -> relay (no technique gets through two hard NATs cheaply)
import type { NatReport } from './nat-report.ts';
import { isEasy, isHard } from './nat-report.ts';

export type Strategy = 'simultaneous-open' | 'prediction' | 'birthday' | 'relay-only';
export type BirthdayRole = 'easy' | 'hard' | undefined;

export interface Plan {
  readonly strategy: Strategy;
  /** Probe the peer's predicted ports. */
  readonly predictPeer: boolean;
  /** Birthday: 'hard' opens spare ports towards the peer; 'easy' probes random peer ports. */
  readonly birthday: BirthdayRole;
  /** Skip the peer's reflexive candidate (lockstep prediction must not spend a port on it). */
  readonly skipPeerReflexive: boolean;
}

function sequential(nat: NatReport): boolean {
  return isHard(nat) && nat.allocation === 'sequential' && nat.delta !== 0;
}

function random(nat: NatReport): boolean {
  return isHard(nat) && !sequential(nat);
}

export function plan(mine: NatReport, peer: NatReport): Plan {
  if (isEasy(mine) && isEasy(peer)) return { strategy: 'simultaneous-open', predictPeer: false, birthday: undefined, skipPeerReflexive: false };
  if (sequential(mine) && sequential(peer)) return { strategy: 'prediction', predictPeer: true, birthday: undefined, skipPeerReflexive: true };
  if (isEasy(mine) && sequential(peer)) return { strategy: 'prediction', predictPeer: true, birthday: undefined, skipPeerReflexive: false };
  if (sequential(mine) && isEasy(peer)) return { strategy: 'prediction', predictPeer: false, birthday: undefined, skipPeerReflexive: false };
  if (isEasy(mine) && random(peer)) return { strategy: 'birthday', predictPeer: false, birthday: 'easy', skipPeerReflexive: false };
  if (random(mine) && isEasy(peer)) return { strategy: 'birthday', predictPeer: false, birthday: 'hard', skipPeerReflexive: false };
  // Unknown reports (no RFC 5780 server) or two hard NATs: try the plain candidates, then relay.
  const unknown = mine.mapping === 'unknown' || peer.mapping === 'unknown';
  return { strategy: unknown ? 'simultaneous-open' : 'relay-only', predictPeer: false, birthday: undefined, skipPeerReflexive: false };
}

/**
 * Birthday-paradox success probability: the hard side has `open` mapped ports among `range`
 * equally likely ones; the easy side probes `probes` distinct random ports. P(no hit) is the
 * product of (1 - open / (range - i)) over the probes (sampling without replacement).
 */
export function birthdayProbability(open: number, probes: number, range: number): number {
  let miss = 1;
  for (let i = 0; i < probes && range - i > 0; i++) miss *= Math.max(0, 1 - open / (range - i));
  return 1 - miss;
}
