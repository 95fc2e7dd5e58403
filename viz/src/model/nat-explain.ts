// Why a NAT dropped a datagram: the NAT's filtering rule (from its preset), the mappings that
// existed on it at that instant (nat-map minus nat-expire), the remotes each mapping had sent
// to (what a filter admits), and in one sentence why none of them let this datagram in.

import type { DropEvent } from '../trace/types.ts';
import { ipOf, type TraceModel } from './model.ts';

export type Filtering = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

/** The filtering behaviour of each simulator preset (runtime-sim/nat/presets.ts, RFC 4787 terms). */
const PRESET_FILTERING: Readonly<Record<string, Filtering>> = {
  open: 'endpoint-independent',
  'full-cone': 'endpoint-independent',
  'restricted-cone': 'address-dependent',
  'port-restricted-cone': 'address-and-port-dependent',
  symmetric: 'address-and-port-dependent',
  'symmetric-sequential': 'address-and-port-dependent',
  cgnat: 'address-and-port-dependent',
  'linux-masquerade': 'address-and-port-dependent',
  'linux-masquerade-firewall': 'address-and-port-dependent',
};

const RULE_TEXT: Readonly<Record<Filtering, string>> = {
  'endpoint-independent': 'endpoint-independent filtering (EIF): any source may use a live mapping',
  'address-dependent': 'address-dependent filtering (ADF): only IPs the mapping has sent to',
  'address-and-port-dependent': 'address-and-port-dependent filtering (APDF): only ip:ports the mapping has sent to',
};

/** Mappings listed at most. */
const MAPPINGS_SHOWN_MAX = 8;

export interface LiveMapping {
  readonly internal: string;
  readonly external: string;
  readonly remote: string | undefined;
  /** remotes it had sent to before the drop (what the filter admits) */
  readonly sentTo: readonly string[];
}

export interface NatDropExplanation {
  readonly nat: string;
  readonly preset: string | undefined;
  readonly rule: string;
  readonly mappings: readonly LiveMapping[];
  readonly mappingsLive: number;
  readonly why: string;
}

export function explainNatDrop(model: TraceModel, drop: DropEvent): NatDropExplanation | undefined {
  if (drop.reason !== 'nat-filtered' && drop.reason !== 'nat-no-mapping') return undefined;
  const node = model.trace.header?.topology.nodes.find((n) => n.name === drop.node);
  const preset = node?.preset;
  const filtering = preset === undefined ? undefined : PRESET_FILTERING[preset];
  const rule = filtering === undefined ? `filtering of preset ${preset ?? '(unknown)'}` : RULE_TEXT[filtering];
  // mappings alive at the drop: created before it and not yet expired
  const live = new Map<string, { internal: string; external: string; remote: string | undefined }>();
  for (const m of model.marks) {
    const e = m.event;
    if (e.t > drop.t) break;
    if (e.node !== drop.node) continue;
    if (e.kind === 'nat-map') live.set(`${e.internal}|${e.external}|${e.remote ?? ''}`, { internal: e.internal, external: e.external, remote: e.remote });
    else if (e.kind === 'nat-expire') for (const [k, v] of live) if (v.internal === e.internal && v.external === e.external) live.delete(k);
  }
  const sentTo = new Map<string, Set<string>>();
  for (const d of model.datagrams) {
    if (d.t0 > drop.t) break;
    for (const n of d.nats) if (n.node === drop.node && n.dir === 'out' && n.t <= drop.t) {
      const set = sentTo.get(n.to_src) ?? new Set<string>();
      set.add(n.to_dst);
      sentTo.set(n.to_src, set);
    }
  }
  const all = [...live.values()].map((m) => ({ ...m, sentTo: [...(sentTo.get(m.external) ?? [])] }));
  // the mappings for the address the datagram was sent to first
  const target = all.filter((m) => m.external === drop.dst);
  const mappings = [...target, ...all.filter((m) => m.external !== drop.dst)].slice(0, MAPPINGS_SHOWN_MAX);
  let why: string;
  if (drop.reason === 'nat-no-mapping' || target.length === 0) {
    why = `no mapping on ${drop.node} has external address ${drop.dst} (${all.length} live), so the datagram from ${drop.src} has nowhere to go`;
  } else {
    const m = target[0]!;
    const admitted = filtering === 'address-dependent' ? [...new Set(m.sentTo.map(ipOf))] : m.sentTo;
    const wanted = filtering === 'address-dependent' ? ipOf(drop.src) : drop.src;
    why =
      filtering === 'endpoint-independent'
        ? `mapping ${m.internal} ⇒ ${m.external} exists and EIF admits anyone: refused by the NAT's inbound firewall`
        : `mapping ${m.internal} ⇒ ${m.external} exists, but it has sent only to ${admitted.length === 0 ? '(nobody)' : admitted.join(', ')}; ${wanted} is not one of them`;
  }
  return { nat: drop.node, preset, rule, mappings, mappingsLive: all.length, why };
}
