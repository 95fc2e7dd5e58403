// The attack suite: strangers against the rendezvous server and against a live pinned
// transfer. Each scenario's expectations come from the configs it runs, never from an
// earlier run; docs/security.md describes the threat model they exercise.
import type { Scenario } from '../scenario.ts';
import { attackFlood, attackFloodBotnet } from './flood.ts';
import { attackLiveTransfer16MiB, attackLiveTransfer1MiB } from './live-transfer.ts';

export const attackScenarios: Scenario[] = [attackFlood, attackFloodBotnet, attackLiveTransfer1MiB, attackLiveTransfer16MiB];
