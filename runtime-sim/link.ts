// One direction of a node's attachment to its realm (uplink node→realm or downlink
// realm→node), as configured by LinkConfig (docs/architecture.md). A link decides, per
// datagram, whether it survives and how long it takes: MTU, drop-tail byte queue behind a
// serialiser of `bandwidth_bps`, random loss (Bernoulli or Gilbert–Elliott), corruption,
// duplication, reordering, latency and jitter. Random draws happen in one fixed order (see
// pass()) and only for features that are configured, so a seed fixes every outcome.
import type { SimRng } from './random.ts';

export type LatencyConfig =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; min_ms: number; max_ms: number }
  | { kind: 'normal'; mean_ms: number; stddev_ms: number }
  | { kind: 'function'; sample: (rng: SimRng) => number };

export type LossConfig =
  | { kind: 'bernoulli'; p: number }
  | {
      kind: 'gilbert-elliott';
      p_good_to_bad: number;
      p_bad_to_good: number;
      loss_good: number;
      loss_bad: number;
    };

export interface LinkConfig {
  latency?: LatencyConfig;
  /** Uniform extra delay in [-jitter_ms, +jitter_ms], total delay clamped at 0. */
  jitter_ms?: number;
  loss?: LossConfig;
  duplicate_p?: number;
  reorder_p?: number;
  /** Extra delay of a reordered datagram, so later ones overtake it (default 10 ms). */
  reorder_delay_ms?: number;
  corrupt_p?: number;
  /** Drop corrupted datagrams (reason 'corrupt') instead of delivering them marked. */
  udp_checksum?: boolean;
  /** Serialisation rate; absent or 0 means unlimited. */
  bandwidth_bps?: number;
  /** Drop-tail limit on bytes waiting for (or in) the serialiser; default 64 KiB. */
  queue_bytes?: number;
  /** Datagrams larger than this (UDP payload bytes) are dropped; default 1500. */
  mtu_bytes?: number;
}

export class LinkConfigError extends Error {
  constructor(why: string) {
    super(`bad LinkConfig: ${why}`);
    this.name = 'LinkConfigError';
  }
}

export const mtu_bytes_default = 1500;
export const queue_bytes_default = 64 * 1024;
export const reorder_delay_ms_default = 10;

/** Outcome codes of Link.pass(): a delay (≥ 0 ms) or one of these negative drop codes. */
export const DROP_MTU = -1;
export const DROP_QUEUE = -2;
export const DROP_LOSS = -3;
export const DROP_CORRUPT = -4;

export type LinkDropReason = 'mtu' | 'queue' | 'loss' | 'corrupt';

export function linkDropReason(code: number): LinkDropReason {
  switch (code) {
    case DROP_MTU:
      return 'mtu';
    case DROP_QUEUE:
      return 'queue';
    case DROP_LOSS:
      return 'loss';
    default:
      return 'corrupt';
  }
}

function checkProbability(name: string, p: number | undefined): void {
  if (p !== undefined && !(p >= 0 && p <= 1)) throw new LinkConfigError(`${name} = ${p} is not in [0, 1]`);
}

function checkNonNegative(name: string, v: number | undefined): void {
  if (v !== undefined && !(v >= 0 && Number.isFinite(v))) throw new LinkConfigError(`${name} = ${v} must be ≥ 0`);
}

export function validateLinkConfig(c: LinkConfig): void {
  checkNonNegative('jitter_ms', c.jitter_ms);
  checkProbability('duplicate_p', c.duplicate_p);
  checkProbability('reorder_p', c.reorder_p);
  checkNonNegative('reorder_delay_ms', c.reorder_delay_ms);
  checkProbability('corrupt_p', c.corrupt_p);
  checkNonNegative('bandwidth_bps', c.bandwidth_bps);
  checkNonNegative('queue_bytes', c.queue_bytes);
  checkNonNegative('mtu_bytes', c.mtu_bytes);
  const l = c.latency;
  if (l?.kind === 'fixed') checkNonNegative('latency.ms', l.ms);
  if (l?.kind === 'uniform') {
    checkNonNegative('latency.min_ms', l.min_ms);
    if (!(l.max_ms >= l.min_ms)) throw new LinkConfigError('latency.max_ms < latency.min_ms');
  }
  if (l?.kind === 'normal') {
    checkNonNegative('latency.mean_ms', l.mean_ms);
    checkNonNegative('latency.stddev_ms', l.stddev_ms);
  }
  const loss = c.loss;
  if (loss?.kind === 'bernoulli') checkProbability('loss.p', loss.p);
  if (loss?.kind === 'gilbert-elliott') {
    checkProbability('loss.p_good_to_bad', loss.p_good_to_bad);
    checkProbability('loss.p_bad_to_good', loss.p_bad_to_good);
    checkProbability('loss.loss_good', loss.loss_good);
    checkProbability('loss.loss_bad', loss.loss_bad);
  }
}

/** Long-run loss rate of a Gilbert–Elliott channel (its stationary mix of good and bad). */
export function gilbertElliottStationaryLoss(loss: Extract<LossConfig, { kind: 'gilbert-elliott' }>): number {
  const leave = loss.p_good_to_bad + loss.p_bad_to_good;
  const bad = leave === 0 ? 0 : loss.p_good_to_bad / leave;
  return (1 - bad) * loss.loss_good + bad * loss.loss_bad;
}

export class Link {
  private config: LinkConfig = {};
  /** Nothing but the MTU configured: pass() is 0 ms with no draws (the common fast case). */
  ideal = true;
  /**
   * Fixed latency and nothing random: pass() is this delay with no draws; else -1. Read by
   * the network to skip the call (duplicate and corrupt_bit then stay false and -1).
   */
  fixed_ms = -1;
  /** True when pass() does not depend on the entry time (no serialiser queue). */
  timeless = true;
  mtu_bytes = mtu_bytes_default;
  private queue_bytes = queue_bytes_default;
  /** Bytes per millisecond of the serialiser (0 = unlimited). */
  private bytes_per_ms = 0;
  /** When the serialiser finishes everything admitted so far. */
  private busy_until_ms = 0;
  /** Gilbert–Elliott channel state. */
  private bad = false;

  /** Set by pass(): the datagram should also be delivered a second time. */
  duplicate = false;
  /** Set by pass(): the bit to flip (corrupted, delivered), or -1. */
  corrupt_bit = -1;

  constructor(readonly name: string, config?: LinkConfig) {
    if (config) this.configure(config);
  }

  configure(config: LinkConfig): void {
    validateLinkConfig(config);
    this.config = config;
    this.mtu_bytes = config.mtu_bytes ?? mtu_bytes_default;
    this.queue_bytes = config.queue_bytes ?? queue_bytes_default;
    this.bytes_per_ms = config.bandwidth_bps ? config.bandwidth_bps / 8000 : 0;
    this.timeless = this.bytes_per_ms === 0;
    this.ideal =
      this.timeless &&
      config.latency === undefined &&
      !config.jitter_ms &&
      config.loss === undefined &&
      !config.duplicate_p &&
      !config.reorder_p &&
      !config.corrupt_p;
    const onlyLatency = { ...config };
    delete onlyLatency.latency;
    delete onlyLatency.mtu_bytes;
    this.fixed_ms = -1;
    this.duplicate = false;
    this.corrupt_bit = -1;
    if (this.ideal) this.fixed_ms = 0;
    else if (config.latency?.kind === 'fixed' && this.timeless && isInert(onlyLatency)) this.fixed_ms = config.latency.ms;
  }

  get current(): LinkConfig {
    return this.config;
  }

  /** Bytes waiting for or inside the serialiser at `now_ms`. */
  queuedBytes(now_ms: number): number {
    if (this.bytes_per_ms === 0 || this.busy_until_ms <= now_ms) return 0;
    return (this.busy_until_ms - now_ms) * this.bytes_per_ms;
  }

  /**
   * Passes one datagram of `size_bytes` entering the link at `now_ms`. Returns its delay in
   * ms (≥ 0) or a negative DROP_* code; sets `duplicate` and `corrupt_bit`. Draw order:
   * loss (Gilbert–Elliott: transition, then loss), corruption (+ bit position), duplication,
   * reordering, latency, jitter.
   */
  pass(now_ms: number, size_bytes: number, rng: SimRng): number {
    this.duplicate = false;
    this.corrupt_bit = -1;
    if (size_bytes > this.mtu_bytes) return DROP_MTU;
    if (this.fixed_ms >= 0) return this.fixed_ms;
    const c = this.config;
    let delay_ms = 0;
    if (this.bytes_per_ms > 0) {
      // The serialiser drains at a constant rate, so the backlog in bytes is exact.
      const backlog_bytes = this.queuedBytes(now_ms);
      if (backlog_bytes + size_bytes > this.queue_bytes) return DROP_QUEUE;
      const start_ms = this.busy_until_ms > now_ms ? this.busy_until_ms : now_ms;
      this.busy_until_ms = start_ms + size_bytes / this.bytes_per_ms;
      delay_ms = this.busy_until_ms - now_ms;
    }
    const loss = c.loss;
    if (loss !== undefined) {
      let p: number;
      if (loss.kind === 'bernoulli') p = loss.p;
      else {
        this.bad = rng.chance(this.bad ? 1 - loss.p_bad_to_good : loss.p_good_to_bad);
        p = this.bad ? loss.loss_bad : loss.loss_good;
      }
      if (rng.chance(p)) return DROP_LOSS;
    }
    if (c.corrupt_p && rng.chance(c.corrupt_p)) {
      if (c.udp_checksum) return DROP_CORRUPT;
      // An empty datagram has no bit to flip; it stays intact.
      if (size_bytes > 0) this.corrupt_bit = rng.nextInt(0, size_bytes * 8 - 1);
    }
    if (c.duplicate_p && rng.chance(c.duplicate_p)) this.duplicate = true;
    if (c.reorder_p && rng.chance(c.reorder_p)) delay_ms += c.reorder_delay_ms ?? reorder_delay_ms_default;
    const latency = c.latency;
    if (latency !== undefined) delay_ms += sampleLatency(latency, rng);
    if (c.jitter_ms) delay_ms += (rng.nextFloat() * 2 - 1) * c.jitter_ms;
    return delay_ms > 0 ? delay_ms : 0;
  }
}

/** True when a config (latency and MTU removed) has nothing that delays, drops or alters. */
function isInert(c: LinkConfig): boolean {
  return !c.jitter_ms && c.loss === undefined && !c.duplicate_p && !c.reorder_p && !c.corrupt_p && !c.bandwidth_bps;
}

function sampleLatency(latency: LatencyConfig, rng: SimRng): number {
  switch (latency.kind) {
    case 'fixed':
      return latency.ms;
    case 'uniform':
      return latency.min_ms + rng.nextFloat() * (latency.max_ms - latency.min_ms);
    case 'normal': {
      // Box–Muller; 1 - u keeps the logarithm finite.
      const u = 1 - rng.nextFloat();
      const v = rng.nextFloat();
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      const ms = latency.mean_ms + z * latency.stddev_ms;
      return ms > 0 ? ms : 0;
    }
    case 'function': {
      const ms = latency.sample(rng);
      return Number.isFinite(ms) && ms > 0 ? ms : 0;
    }
  }
}
