// The simulator's randomness: one seeded stream (seedrandom's Alea generator) from which every
// random choice of a run is drawn in a fixed order, so a seed fixes the whole run. Machines get
// their own child streams via fork(), which draws the child's seed from the parent; forking in
// a fixed order (topology construction order) keeps every stream reproducible.
import seedrandom from 'seedrandom';
import type { Rng } from '../protocol/core/rng.ts';

/** 2^32, to turn a [0,1) float into a 32-bit unsigned integer. */
const uint32_range = 0x1_0000_0000;

export class SimRng implements Rng {
  private readonly next: () => number;
  /** How many values this stream has produced (a cheap determinism fingerprint). */
  draws = 0;

  constructor(readonly seed: string) {
    this.next = seedrandom.alea(seed);
  }

  nextFloat(): number {
    this.draws++;
    return this.next();
  }

  nextUint32(): number {
    this.draws++;
    // Alea returns multiples of 2^-32, so this is exact.
    return (this.next() * uint32_range) >>> 0;
  }

  nextInt(min: number, max: number): number {
    if (!(max >= min)) throw new RangeError(`nextInt(${min}, ${max})`);
    this.draws++;
    return min + Math.floor(this.next() * (max - min + 1));
  }

  nextBytes(count: number): Uint8Array {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i += 4) {
      let word = this.nextUint32();
      const end = Math.min(count, i + 4);
      for (let j = i; j < end; j++) {
        out[j] = word & 0xff;
        word >>>= 8;
      }
    }
    return out;
  }

  /** Bernoulli trial: true with probability p (one draw, even for p = 0 or 1). */
  chance(p: number): boolean {
    this.draws++;
    return this.next() < p;
  }

  /**
   * A child stream seeded by two draws from this one. The label only names the child (it is
   * mixed into the seed so two children forked in a row differ even in their first draws).
   */
  fork(label = ''): SimRng {
    const a = this.nextUint32();
    const b = this.nextUint32();
    return new SimRng(`${a.toString(16)}.${b.toString(16)}.${label}`);
  }
}

/** The root stream for a run's seed. */
export function rootRng(seed: number | string): SimRng {
  return new SimRng(`peerlab:${String(seed)}`);
}
