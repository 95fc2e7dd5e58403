// Issue 15, conntrack clash recovery: the post-idle clash (scenarios/nat-matrix/post-idle-clash.ts)
// kills the direct pair of a paused transfer (A's router forgot its flows; B spoke first; A's
// next datagram to B was moved to another port). The punch client re-validates both flows at the
// first missed keepalive (re-registers, probes the relay), follows the peer onto the relay at
// once, and the controlling side re-punches after the conntrack entry lapsed. Without that the
// session died of its idle timeout (wave 1: "a clash after 15 s of silence killed both flows").
import { describe, expect, it } from 'vitest';
import { Simulator } from '../../../runtime-sim/index.ts';
import { runPostIdleClash } from '../../../scenarios/nat-matrix/post-idle-clash.ts';

describe('issue 15: a paused transfer survives the post-idle conntrack clash', () => {
  it('the clash happens, the session rides the relay, the transfer completes intact and the path comes back direct', () => {
    const seed = 2;
    const o = runPostIdleClash(new Simulator({ seed, scenario: 'nat-matrix/post-idle-clash' }));
    const reproduce = `peerlab run nat-matrix/post-idle-clash --seed ${seed}: ${JSON.stringify(o)}`;
    expect(o.clashes as number, reproduce).toBeGreaterThanOrEqual(1);
    expect(o.closed, reproduce).toBe('none');
    expect(o.intact, reproduce).toBe(true);
    expect(o.path_lost_a as number, reproduce).toBeGreaterThanOrEqual(1);
    expect(o.relay_in as number, reproduce).toBeGreaterThan(0);
    expect(o.final_path_a, reproduce).toBe('direct');
    expect(o.final_path_b, reproduce).toBe('direct');
  }, 30_000);
});
