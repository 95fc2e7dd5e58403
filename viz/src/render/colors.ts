// Colours of the diagram: one per protocol family (protocol/core/demux.ts names), drops in
// red, NAT annotations in teal, fault periods shaded as Jepsen shades nemesis activity.

export const PROTO_COLORS: Readonly<Record<string, string>> = {
  stun: '#1f77b4',
  echo: '#6b6b6b',
  punch: '#ff7f0e',
  rudp: '#2ca02c',
  overlay: '#9467bd',
  unknown: '#8c564b',
};

export function protoColor(proto: string): string {
  return PROTO_COLORS[proto] ?? PROTO_COLORS.unknown!;
}

export const COLORS = {
  background: '#ffffff',
  /** what is still to come after the replay cursor: faded under this veil */
  futureVeil: 'rgba(255,255,255,0.78)',
  /** search matches: a highlighter band under the arrow or mark */
  match: 'rgba(255,212,0,0.55)',
  laneHost: '#9aa4b1',
  laneNat: '#0f8b8d',
  laneServer: '#3a5fcd',
  laneBandNat: 'rgba(15,139,141,0.06)',
  header: '#f4f6f8',
  headerText: '#1d2329',
  axisText: '#5b6570',
  axisBreak: '#b9c1ca',
  grid: 'rgba(0,0,0,0.05)',
  drop: '#d62728',
  nat: '#0f8b8d',
  mark: '#444c56',
  error: '#d62728',
  warn: '#c98a00',
  cursor: '#e0245e',
  selection: '#111111',
  idle: 'rgba(120,120,140,0.10)',
  faultPartition: 'rgba(214,39,40,0.10)',
  faultOther: 'rgba(255,165,0,0.13)',
} as const;

/** Distinct colours for nodes in charts. */
export const NODE_PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
