// Watches the rendezvous server's tables during an attack: samples every table's size on a
// fixed virtual-time period and keeps the largest, beside the named config limit it must
// never pass. Limits are read from the server's own config (never from a previous run), and
// a table is watched only when the server reports both its size and its limit. The source
// prefixes an attacker registers from are watched against the per-prefix quota too.
import { formatAddr, type Addr } from '../../protocol/core/addr.ts';
import type { RendezvousServer } from '../../protocol/punch/rendezvous-server.ts';
import type { Simulator } from '../../runtime-sim/index.ts';

/** [size as named in server.counters, limit as named in server.config]. */
const TABLES: ReadonlyArray<readonly [string, string]> = [
  ['registrations', 'registrations_max'],
  ['circuits', 'circuits_max'],
  ['pending', 'pending_max'],
  ['rate_sources', 'sources_max'],
  ['pair_budgets', 'pair_budgets_max'],
];
/** The per-prefix quota of the registry, watched for the prefixes an attacker uses. */
const PER_PREFIX_LIMIT = 'registrations_per_prefix_max';

const SAMPLE_MS = 50;

export interface TableWatch {
  /** table name -> [largest size seen, its limit]. */
  readonly seen: Map<string, [number, number]>;
  /** "registrations 10000/10000, circuits 3/256" (largest seen / limit). */
  summary(): string;
  /** Tables that went over their limit, as text; empty when all stayed within. */
  overLimit(): string[];
}

/**
 * Samples every SAMPLE_MS until `until_ms`; `prefixes` are addresses whose source prefix
 * (/24, /64) is watched against the per-prefix quota, when the registry counts by prefix.
 */
export function watchTables(sim: Simulator, server: RendezvousServer, until_ms: number, prefixes: readonly Addr[] = []): TableWatch {
  const config = server.config as unknown as Record<string, unknown>;
  const registry = server.registry as unknown as { countOf?: (a: Addr) => number };
  const perPrefix = config[PER_PREFIX_LIMIT];
  const seen = new Map<string, [number, number]>();
  const sample = (): void => {
    const counters = server.counters;
    if (typeof registry.countOf === 'function' && typeof perPrefix === 'number') {
      for (const a of prefixes) {
        const table = `prefix ${formatAddr(a).replace(/:\d+$/, '')}`;
        const size = registry.countOf.call(server.registry, a);
        const entry = seen.get(table);
        if (!entry) seen.set(table, [size, perPrefix]);
        else entry[0] = Math.max(entry[0], size);
      }
    }
    for (const [table, limitName] of TABLES) {
      const size = counters[table];
      const limit = config[limitName];
      if (typeof size !== 'number' || typeof limit !== 'number') continue;
      const entry = seen.get(table);
      if (!entry) seen.set(table, [size, limit]);
      else entry[0] = Math.max(entry[0], size);
    }
    if (sim.now + SAMPLE_MS <= until_ms) sim.after(SAMPLE_MS, sample);
  };
  sim.at(0, sample);
  return {
    seen,
    summary: () => [...seen].map(([table, [size, limit]]) => `${table} ${size}/${limit}`).join(', '),
    overLimit: () => [...seen].filter(([, [size, limit]]) => size > limit).map(([table, [size, limit]]) => `${table} reached ${size} > limit ${limit}`),
  };
}
