// Kernel vs simulator at the NAT level: the same probe (STUN, then hellos at each other's
// mapped address) on both worlds, reduced to what must agree: whether each NAT kept the
// port, and which way the hellos got through. Random port numbers themselves cannot agree.
import type { LabCase } from './cases.ts';
import type { LabSession } from './harness.ts';
import { probeCase, type ProbeOutcome } from './probe-case.ts';
import { simProbeCase } from './sim-mirror.ts';

/** Port every probe binds; see probe-case.ts. */
const probe_port = 40_000;

export interface ProbeSummary {
  mapping_a: 'preserved' | 'changed' | 'none';
  mapping_b: 'preserved' | 'changed' | 'none';
  /** which peers heard the other */
  heard: string;
  through: ProbeOutcome['through'];
}

export interface CalibrationRow {
  case: string;
  kernel: ProbeSummary;
  sim: ProbeSummary;
  agree: boolean;
  expected: LabCase['probeExpectation'];
}

export function summariseProbe(outcome: ProbeOutcome): ProbeSummary {
  const mapping = (mapped: string | undefined): ProbeSummary['mapping_a'] =>
    mapped === undefined ? 'none' : mapped.endsWith(`:${probe_port}`) ? 'preserved' : 'changed';
  const heard = ['a', 'b'].filter((name) => (outcome.heard[name]?.length ?? 0) > 0).join('+') || '-';
  return { mapping_a: mapping(outcome.mapped.a), mapping_b: mapping(outcome.mapped.b), heard, through: outcome.through };
}

export function sameSummary(x: ProbeSummary, y: ProbeSummary): boolean {
  return x.mapping_a === y.mapping_a && x.mapping_b === y.mapping_b && x.heard === y.heard;
}

export async function calibrateCase(
  session: LabSession,
  labCase: LabCase,
  log?: (line: string) => void,
): Promise<CalibrationRow & { raw: { kernel: ProbeOutcome; sim: ProbeOutcome } }> {
  const kernelOutcome = await probeCase(session, labCase, log);
  const simOutcome = simProbeCase(labCase);
  const kernel = summariseProbe(kernelOutcome);
  const sim = summariseProbe(simOutcome);
  return { case: labCase.name, kernel, sim, agree: sameSummary(kernel, sim), expected: labCase.probeExpectation, raw: { kernel: kernelOutcome, sim: simOutcome } };
}
