// Kernel-NAT lab, the post-idle conntrack clash (runtime-node/lab/post-idle-case.ts): a live
// transfer over a direct pair through a firewall-less Linux router (UDP conntrack timers cut to
// 4 s) pauses for 15 s; b speaks first after the silence, the router moves a's next flow to
// another port, and the direct pair dies both ways. The transfer must survive: every byte of
// both parts arrives intact and no session closes. The simulator's mirror
// (scenarios/nat-matrix/post-idle-clash.ts) must agree: same outcome, same lost direct pair.
import { describe, expect, it } from 'vitest';
import { withLab } from '../../../runtime-node/lab/harness.ts';
import { listLabNamespaces } from '../../../runtime-node/lab/namespaces.ts';
import { PAUSE_MS, ROUTER_UDP_TIMEOUT_S, runPostIdleCase } from '../../../runtime-node/lab/post-idle-case.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import { runPostIdleClash } from '../../../scenarios/nat-matrix/post-idle-clash.ts';
import { labSkip } from './lab-case.ts';

/** How early a Node timer may fire, measured on the clock the peer reports with. */
const timer_slack_ms = 5;

describe.skipIf(labSkip !== undefined)('kernel-NAT lab: post-idle conntrack clash', () => {
  it('a transfer paused past the router\'s conntrack timers survives the clash, as in the simulator', async () => {
    let prefix = '';
    const o = await withLab((session) => {
      prefix = session.net.prefix;
      return runPostIdleCase(session);
    });
    const reproduce = `reproduce: the post-idle lab (runtime-node/lab/post-idle-case.ts): ${JSON.stringify(o)}`;
    expect(o.router_udp_timeout_s, reproduce).toBe(ROUTER_UDP_TIMEOUT_S);
    expect(o.a.ok && o.b.ok, reproduce).toBe(true);
    // Node's timers run on libuv's millisecond loop clock, so a 15 s setTimeout can fire a
    // fraction of a millisecond early on the process's finer clock (seen: 14,999.9 ms).
    expect(o.a.paused_ms!, `${reproduce}: the sender really paused`).toBeGreaterThanOrEqual(PAUSE_MS - timer_slack_ms);
    expect(o.b.intact, reproduce).toBe(true);
    expect([o.a.closed, o.b.closed], reproduce).toEqual(['none', 'none']);
    // The clash happened: the direct pair taken before the pause was declared lost after it.
    const lost = (o.a.path_lost ?? 0) + (o.b.path_lost ?? 0);
    expect(lost, `${reproduce}: no direct pair was lost, the clash did not happen`).toBeGreaterThanOrEqual(1);
    expect(o.a.history?.some((h) => h.type === 'path' && h.path === 'direct'), `${reproduce}: never direct before the pause`).toBe(true);
    // The simulator's mirror: the same machines through the same mechanism.
    const seed = 2;
    const sim = runPostIdleClash(new Simulator({ seed, scenario: 'nat-matrix/post-idle-clash' }));
    const mirror = `peerlab run nat-matrix/post-idle-clash --seed ${seed}: ${JSON.stringify(sim)}`;
    expect(sim.intact, mirror).toBe(true);
    expect(sim.closed, mirror).toBe('none');
    expect(sim.path_lost_a as number, mirror).toBeGreaterThanOrEqual(1);
    expect(listLabNamespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
  }, 120_000);
});
