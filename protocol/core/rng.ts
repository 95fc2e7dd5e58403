// Randomness is handed to cores, never drawn by them, so a seed fixes every choice.
// Runtimes supply an implementation (seeded in the simulator, crypto-backed on real sockets).

export interface Rng {
  /** Uniform in [0, 1). */
  nextFloat(): number;
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform integer in [min, max] inclusive. */
  nextInt(min: number, max: number): number;
  /** `count` random bytes (key material in the simulator; real runtimes use a CSPRNG). */
  nextBytes(count: number): Uint8Array;
}

/** Builds the integer and byte helpers from a uniform float source. */
export function rngFromFloat(nextFloat: () => number): Rng {
  const nextUint32 = (): number => Math.floor(nextFloat() * 0x1_0000_0000) >>> 0;
  return {
    nextFloat,
    nextUint32,
    nextInt(min: number, max: number): number {
      if (max < min) throw new RangeError(`nextInt(${min}, ${max})`);
      return min + Math.floor(nextFloat() * (max - min + 1));
    },
    nextBytes(count: number): Uint8Array {
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i += 4) {
        let word = nextUint32();
        for (let j = i; j < Math.min(count, i + 4); j++) {
          out[j] = word & 0xff;
          word >>>= 8;
        }
      }
      return out;
    },
  };
}
