// Replays every 25519 + ChaChaPoly vector of the cacophony/snow set through our generic
// HandshakeState and checks every handshake and transport message byte for byte.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blake2b, blake2s } from '@noble/hashes/blake2.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { hashSuite, type HashSuite } from '../../../protocol/rudp/hash-suite.ts';
import { handshakePattern } from '../../../protocol/rudp/handshake-pattern.ts';
import { HandshakeState, keyPairFromSecret } from '../../../protocol/rudp/handshake-state.ts';
import type { CipherState } from '../../../protocol/rudp/cipher-state.ts';

interface Vector {
  protocol_name: string;
  init_prologue: string;
  init_static?: string;
  init_ephemeral: string;
  init_remote_static?: string;
  init_psks?: string[];
  resp_prologue: string;
  resp_static?: string;
  resp_ephemeral?: string;
  resp_remote_static?: string;
  resp_psks?: string[];
  handshake_hash: string;
  messages: Array<{ payload: string; ciphertext: string }>;
}

const VECTORS_PATH = new URL('../../vectors/noise-cacophony.json', import.meta.url);
const vectors = (JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as { vectors: Vector[] }).vectors;

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const SUITES: Record<string, HashSuite> = {
  BLAKE2s: hashSuite(nobleCrypto, 'BLAKE2s'),
  SHA256: hashSuite(nobleCrypto, 'SHA256'),
  BLAKE2b: { name: 'BLAKE2b', hash_bytes: 64, hash: (d) => blake2b(d), hmac: (k, d) => hmac(blake2b, k, d) },
  SHA512: { name: 'SHA512', hash_bytes: 64, hash: (d) => sha512(d), hmac: (k, d) => hmac(sha512, k, d) },
};
void blake2s;
void sha256;

function run(vector: Vector): void {
  const [, patternName, dh, cipher, hashName] = vector.protocol_name.split('_');
  expect(dh).toBe('25519');
  expect(cipher).toBe('ChaChaPoly');
  const suite = SUITES[hashName!]!;
  const pattern = handshakePattern(patternName!);
  const opt = (s?: string): Uint8Array | undefined => (s ? hex(s) : undefined);
  const initiator = new HandshakeState({
    crypto: nobleCrypto,
    suite,
    pattern,
    initiator: true,
    prologue: hex(vector.init_prologue),
    staticKey: vector.init_static ? keyPairFromSecret(nobleCrypto, hex(vector.init_static)) : undefined,
    ephemeralSecret: hex(vector.init_ephemeral),
    remoteStatic: opt(vector.init_remote_static),
    psks: vector.init_psks?.map(hex),
  });
  const responder = new HandshakeState({
    crypto: nobleCrypto,
    suite,
    pattern,
    initiator: false,
    prologue: hex(vector.resp_prologue),
    staticKey: vector.resp_static ? keyPairFromSecret(nobleCrypto, hex(vector.resp_static)) : undefined,
    ephemeralSecret: opt(vector.resp_ephemeral),
    remoteStatic: opt(vector.resp_remote_static),
    psks: vector.resp_psks?.map(hex),
  });
  let i = 0;
  for (; i < pattern.messages.length; i++) {
    const message = vector.messages[i]!;
    const [writer, reader] = pattern.messages[i]!.fromInitiator ? [initiator, responder] : [responder, initiator];
    const ciphertext = writer.writeMessage(hex(message.payload));
    expect(toHex(ciphertext)).toBe(message.ciphertext);
    expect(toHex(reader.readMessage(ciphertext))).toBe(message.payload);
  }
  expect(toHex(initiator.handshakeHash)).toBe(vector.handshake_hash);
  expect(toHex(responder.handshakeHash)).toBe(vector.handshake_hash);
  const ini = initiator.split();
  const res = responder.split();
  const ad = new Uint8Array(0);
  for (; i < vector.messages.length; i++) {
    const message = vector.messages[i]!;
    // After the handshake the sides keep alternating; one-way patterns only send forward.
    const fromInitiator = pattern.oneWay || (i % 2 === 0) === pattern.messages[0]!.fromInitiator;
    const [send, receive]: [CipherState, CipherState] = fromInitiator ? [ini.send, res.receive] : [res.send, ini.receive];
    const ciphertext = send.encryptWithAd(ad, hex(message.payload));
    expect(toHex(ciphertext)).toBe(message.ciphertext);
    expect(toHex(receive.decryptWithAd(ad, ciphertext)!)).toBe(message.payload);
  }
}

describe('Noise cacophony vectors', () => {
  it('holds XX for both of our suites', () => {
    const names = vectors.map((v) => v.protocol_name);
    expect(names).toContain('Noise_XX_25519_ChaChaPoly_BLAKE2s');
    expect(names).toContain('Noise_XX_25519_ChaChaPoly_SHA256');
  });
  for (const vector of vectors) {
    it(vector.protocol_name, () => run(vector));
  }
});
