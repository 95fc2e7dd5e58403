// Runs one plan in a fresh simulator, step by step, checking every invariant after each step
// (the guards check the machine contract on every call in between), until the run reaches an
// outcome (success or a typed error) or its virtual-time bound. Same plan, same result.
import { Simulator } from '../runtime-sim/index.ts';
import { applySchedule } from './faults.ts';
import type { CheckTally } from './guard.ts';
import { drawPlan, seedName, type Plan, type SwarmProtocol } from './plan.ts';
import { SwarmViolation, violation, type ViolationKind } from './violation.ts';
import type { SwarmWorld, WorldContext } from './world.ts';
import { buildRudpWorld } from './world-rudp.ts';
import { buildPunchWorld } from './world-punch.ts';
import { buildPeerWorld } from './world-peer.ts';
import { buildMeshWorld } from './world-mesh.ts';

/** Virtual time between two invariant checks. */
export const step_ms = 100;
/** After the outcome, the run goes on this long (late attacks, draining, timers). */
export const linger_ms = 3_000;

export interface RunResult {
  readonly protocol: SwarmProtocol;
  readonly seed: number;
  readonly ok: boolean;
  readonly violation?: { readonly kind: ViolationKind; readonly detail: string };
  /** 'success', 'error:<code>', or 'none' (no outcome: a violation stopped the run first). */
  readonly outcome: string;
  /** Virtual time of the outcome (or of the stop). */
  readonly outcome_ms: number;
  readonly checks: number;
  readonly unread: readonly string[];
  readonly injected: number;
}

const builders: Record<SwarmProtocol, (ctx: WorldContext) => SwarmWorld> = {
  rudp: buildRudpWorld,
  punch: buildPunchWorld,
  peer: buildPeerWorld,
  mesh: buildMeshWorld,
};

export function runPlan(plan: Plan): RunResult {
  const sim = new Simulator({ seed: seedName(plan.protocol, plan.seed), scenario: `swarm-${plan.protocol}` });
  const tally: CheckTally = { checks: 0 };
  let world: SwarmWorld | undefined;
  let outcome = 'none';
  let outcome_ms = 0;
  let adversaries: ReturnType<typeof applySchedule> = [];
  const result = (extra: Partial<RunResult>): RunResult => ({
    protocol: plan.protocol,
    seed: plan.seed,
    ok: true,
    outcome,
    outcome_ms,
    checks: tally.checks,
    unread: world ? [...world.unread].sort() : [],
    injected: adversaries.reduce((sum, a) => sum + a.injected, 0),
    ...extra,
  });
  try {
    world = builders[plan.protocol]({ sim, plan, tally });
    adversaries = applySchedule(sim, world, plan.schedule, seedName(plan.protocol, plan.seed));
    let end: number | undefined;
    for (let t = step_ms; end === undefined || t <= end; t += step_ms) {
      sim.runUntil(t);
      tally.checks += world.check();
      if (end === undefined) {
        const o = world.outcome();
        if (o !== undefined) {
          outcome = o.kind === 'success' ? 'success' : `error:${o.code}`;
          outcome_ms = o.at_ms;
          end = t + linger_ms;
        } else if (t >= plan.bound_ms) {
          outcome_ms = t;
          violation('no-outcome', `neither success nor a typed error after ${plan.bound_ms} ms of virtual time`);
        }
      }
    }
    tally.checks += world.finish();
    return result({});
  } catch (error) {
    if (outcome === 'none') outcome_ms = sim.now;
    // The driver's own contract checker (protocol/core/contract.ts) may wrap our violation.
    for (let e: unknown = error; e instanceof Error; e = e.cause) {
      if (e instanceof SwarmViolation) return result({ ok: false, violation: { kind: e.kind, detail: e.detail } });
    }
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const kind = error instanceof Error && error.name === 'ContractViolation' ? 'contract' : 'simulator';
    return result({ ok: false, violation: { kind, detail } });
  }
}

export function runSeed(protocol: SwarmProtocol, seed: number): RunResult {
  return runPlan(drawPlan(protocol, seed));
}

/** The one line that reproduces a seed. */
export function reproduceLine(protocol: SwarmProtocol, seed: number): string {
  return `npx peerlab swarm --protocol ${protocol} --seeds ${seed}..${seed}`;
}
