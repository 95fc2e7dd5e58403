// Leases of the replicated dict over virtual hours: a key set by A is refused to B with
// `lease-held` naming A and the expiry, A may rewrite it (renewing), B succeeds once the
// lease expired, and a key A deletes is free at once. Every replica ends equal.
import { atLeast, equal } from '../expect.ts';
import type { Scenario } from '../scenario.ts';
import { MeshWorld } from './world.ts';
import type { SyncEvent } from '../../protocol/sync/sync-node.ts';
import { fromUtf8 } from '../../protocol/core/bytes.ts';

const lease_ms = 3_600_000;

export const leaseScenario: Scenario = {
  name: 'mesh/lease',
  description: 'sync dict: a second writer is refused while the 1 h lease holds and succeeds after it expires; delete frees a key',
  suites: ['mesh'],
  figures: ['refused_code', 'refused_owner_ok', 'refused_expiry_ok', 'after_expiry', 'renewed_refused', 'freed_by_delete', 'replicas_equal', 'virtual_hours'],
  run(sim) {
    const world = new MeshWorld(sim, { peers: 3, mode: 'plumtree', link_loss: 0, latency_min_ms: 10, latency_max_ms: 20, join_spacing_ms: 200, sync: { lease_ms, ae_interval_ms: 60_000 }, limits: { keepalive_ms: 20_000, dead_ms: 60_000, shuffle_interval_ms: 120_000, explore_interval_ms: 300_000 } });
    // Three peers on clean links for 1.5 virtual hours: slow keepalives keep the trace short.
    const [a, b, c] = world.peers as [(typeof world.peers)[0], (typeof world.peers)[0], (typeof world.peers)[0]];
    const errors: SyncEvent[] = [];
    b.handle.onEvent((e) => {
      if (e.type === 'sync-error') errors.push(e);
    });
    let setAt = 0;
    sim.at(5_000, () => {
      setAt = Math.floor(sim.now);
      a.handle.command({ type: 'sync-set', key: 'room', value: 'alice' });
      a.handle.command({ type: 'sync-set', key: 'topic', value: 'p2p' });
    });
    sim.at(6_000, () => b.handle.command({ type: 'sync-set', key: 'room', value: 'bob' }));
    // A renews at +30 min: B is still refused at +61 min, the lease now runs to +90 min.
    sim.at(5_000 + 1_800_000, () => a.handle.command({ type: 'sync-set', key: 'room', value: 'alice-2' }));
    sim.at(5_000 + 3_660_000, () => b.handle.command({ type: 'sync-set', key: 'room', value: 'bob-early' }));
    sim.at(7_000, () => a.handle.command({ type: 'sync-delete', key: 'topic' }));
    sim.at(8_000, () => b.handle.command({ type: 'sync-set', key: 'topic', value: 'gossip' }));
    sim.at(5_000 + 1_800_000 + lease_ms + 1_000, () => b.handle.command({ type: 'sync-set', key: 'room', value: 'bob' }));
    sim.runUntil(5_000 + 1_800_000 + lease_ms + 10_000);
    const first = errors[0];
    const second = errors[1];
    const same = world.peers.every((p) => JSON.stringify(p.sync!.entries().map(([k, v]) => [fromUtf8(k), fromUtf8(v)])) === JSON.stringify(c.sync!.entries().map(([k, v]) => [fromUtf8(k), fromUtf8(v)])));
    return {
      refused_code: first?.type === 'sync-error' ? first.code : 'none',
      refused_owner_ok: first?.type === 'sync-error' && first.owner === a.node.id,
      refused_expiry_ok: first?.type === 'sync-error' && first.expires_ms === setAt + lease_ms,
      renewed_refused: second?.type === 'sync-error' && second.code === 'lease-held' && second.expires_ms === setAt + 1_800_000 + lease_ms,
      after_expiry: c.sync!.getText('room') ?? 'missing',
      freed_by_delete: c.sync!.getText('topic') ?? 'missing',
      replicas_equal: same,
      errors: errors.length,
      virtual_hours: Number((sim.now / 3_600_000).toFixed(2)),
    };
  },
  expectations: [
    equal('refused_code', 'lease-held'),
    equal('refused_owner_ok', true),
    equal('refused_expiry_ok', true),
    equal('renewed_refused', true),
    equal('after_expiry', 'bob'),
    equal('freed_by_delete', 'gossip'),
    equal('replicas_equal', true),
    equal('errors', 2),
    atLeast('virtual_hours', 1.5),
  ],
};
