// Noise handshake patterns (sections 7 and 9, and the psk modifiers), parsed from a compact
// text table so one generic HandshakeState runs all of them. We use XX on the wire; the
// others exist so the cacophony vectors can check the state machine from every angle.

export type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss' | 'psk';

export interface PatternMessage {
  /** true when the initiator sends it. */
  readonly fromInitiator: boolean;
  readonly tokens: readonly Token[];
}

export interface HandshakePattern {
  readonly name: string;
  /** Pre-message public keys ("e" and/or "s") known by the other side beforehand. */
  readonly initiatorPre: readonly Token[];
  readonly responderPre: readonly Token[];
  readonly messages: readonly PatternMessage[];
  /** true for one-way patterns (N, K, X): only the initiator sends transport messages. */
  readonly oneWay: boolean;
  readonly hasPsk: boolean;
}

export class UnknownPatternError extends Error {
  constructor(readonly pattern: string) {
    super(`unknown Noise pattern ${pattern}`);
    this.name = 'UnknownPatternError';
  }
}

// "pre ... messages", both parts ';'-separated, each line starting with the arrow.
const PATTERNS: Readonly<Record<string, string>> = {
  N: '<- s ... -> e, es',
  K: '-> s; <- s ... -> e, es, ss',
  X: '<- s ... -> e, es, s, ss',
  NN: '-> e; <- e, ee',
  NK: '<- s ... -> e, es; <- e, ee',
  NX: '-> e; <- e, ee, s, es',
  XN: '-> e; <- e, ee; -> s, se',
  XK: '<- s ... -> e, es; <- e, ee; -> s, se',
  XX: '-> e; <- e, ee, s, es; -> s, se',
  KN: '-> s ... -> e; <- e, ee, se',
  KK: '-> s; <- s ... -> e, es, ss; <- e, ee, se',
  KX: '-> s ... -> e; <- e, ee, se, s, es',
  IN: '-> e, s; <- e, ee, se',
  IK: '<- s ... -> e, es, s, ss; <- e, ee, se',
  IX: '-> e, s; <- e, ee, se, s, es',
  NK1: '<- s ... -> e; <- e, ee, es',
  NX1: '-> e; <- e, ee, s; -> es',
  X1N: '-> e; <- e, ee; -> s; <- se',
  X1K: '<- s ... -> e, es; <- e, ee; -> s; <- se',
  XK1: '<- s ... -> e; <- e, ee, es; -> s, se',
  X1K1: '<- s ... -> e; <- e, ee, es; -> s; <- se',
  X1X: '-> e; <- e, ee, s, es; -> s; <- se',
  XX1: '-> e; <- e, ee, s; -> es, s, se',
  X1X1: '-> e; <- e, ee, s; -> es, s; <- se',
  K1N: '-> s ... -> e; <- e, ee; -> se',
  K1K: '-> s; <- s ... -> e, es; <- e, ee; -> se',
  KK1: '-> s; <- s ... -> e; <- e, ee, se, es',
  K1K1: '-> s; <- s ... -> e; <- e, ee, es; -> se',
  K1X: '-> s ... -> e; <- e, ee, s, es; -> se',
  KX1: '-> s ... -> e; <- e, ee, se, s; -> es',
  K1X1: '-> s ... -> e; <- e, ee, s; -> se, es',
  I1N: '-> e, s; <- e, ee; -> se',
  I1K: '<- s ... -> e, es, s; <- e, ee; -> se',
  IK1: '<- s ... -> e, s; <- e, ee, se, es',
  I1K1: '<- s ... -> e, s; <- e, ee, es; -> se',
  I1X: '-> e, s; <- e, ee, s, es; -> se',
  IX1: '-> e, s; <- e, ee, se, s; -> es',
  I1X1: '-> e, s; <- e, ee, s; -> se, es',
};

function parseLine(line: string): PatternMessage {
  const trimmed = line.trim();
  const fromInitiator = trimmed.startsWith('->');
  const tokens = trimmed
    .slice(2)
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0) as Token[];
  return { fromInitiator, tokens };
}

/** Parses a pattern name such as "XX", "IKpsk2" or "XXpsk0+psk3". */
export function handshakePattern(name: string): HandshakePattern {
  const match = /^([A-Z1]+)((?:psk\d)(?:\+psk\d)*)?$/.exec(name);
  const base = match ? PATTERNS[match[1]!] : undefined;
  if (!match || !base) throw new UnknownPatternError(name);
  const [prePart, messagePart] = base.includes('...') ? base.split('...') : ['', base];
  const initiatorPre: Token[] = [];
  const responderPre: Token[] = [];
  for (const line of prePart!.split(';').filter((l) => l.trim())) {
    const parsed = parseLine(line);
    (parsed.fromInitiator ? initiatorPre : responderPre).push(...parsed.tokens);
  }
  const messages = messagePart!.split(';').map(parseLine).map((m) => ({ ...m, tokens: [...m.tokens] }));
  const pskPositions = match[2] ? match[2].split('+').map((p) => Number(p.slice(3))) : [];
  for (const position of pskPositions) {
    if (position === 0) messages[0]!.tokens.unshift('psk');
    else if (position <= messages.length) messages[position - 1]!.tokens.push('psk');
    else throw new UnknownPatternError(name);
  }
  return {
    name,
    initiatorPre,
    responderPre,
    messages,
    oneWay: name.length === 1 || /^[NKX]psk/.test(name),
    hasPsk: pskPositions.length > 0,
  };
}
