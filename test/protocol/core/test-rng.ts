// A seeded Rng for unit tests of machines and NAT boxes, so a failing case replays from its
// seed. mulberry32: tiny and fast; the simulator itself uses seedrandom.
import { rngFromFloat, type Rng } from '../../../protocol/core/rng.ts';

export function testRng(seed: number): Rng {
  let state = seed >>> 0;
  return rngFromFloat(() => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  });
}
