// Shared set-up of the typed-connection scenarios: a TypedPeer on a simulated host, its events
// time-stamped, and small readers over them.
import { nobleCrypto } from '../../protocol/core/noble-crypto.ts';
import type { Rng } from '../../protocol/core/rng.ts';
import { TypedPeer, type TypedPeerConfig } from '../../protocol/typed/typed-peer.ts';
import type { TypedCommand, TypedEvent } from '../../protocol/typed/typed-events.ts';
import type { MachineHandle, Simulator } from '../../runtime-sim/index.ts';

export const TYPED_PORT = 7000;

type SimHost = Parameters<Simulator['run']>[0];

export interface RunningTyped {
  readonly peer: TypedPeer;
  readonly handle: MachineHandle<TypedCommand, TypedEvent>;
  readonly timed: Array<{ readonly t: number; readonly event: TypedEvent }>;
}

export function startTyped(sim: Simulator, host: SimHost, rng: Rng, config: Partial<TypedPeerConfig> = {}, port = TYPED_PORT): RunningTyped {
  const peer = new TypedPeer({ crypto: nobleCrypto, rng, staticSecret: rng.nextBytes(32), ...config });
  const handle = sim.run<TypedCommand, TypedEvent>(host, peer, { port });
  const timed: Array<{ t: number; event: TypedEvent }> = [];
  handle.onEvent((event) => timed.push({ t: sim.now, event }));
  return { peer, handle, timed };
}

export function eventsOf<T extends TypedEvent['type']>(p: RunningTyped, type: T): Array<Extract<TypedEvent, { type: T }>> {
  return p.timed.map((x) => x.event).filter((e): e is Extract<TypedEvent, { type: T }> => e.type === type);
}

export function firstTime(p: RunningTyped, type: TypedEvent['type']): number {
  return p.timed.find((x) => x.event.type === type)?.t ?? -1;
}
