// The X25519 identity file `peerlab keygen` writes and `peerlab connect --key` reads: JSON
// with the secret and public key in base64, created 0600 so other users cannot read it.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { nobleCrypto } from '../protocol/core/noble-crypto.ts';

export const IDENTITY_KIND = 'peerlab-x25519-identity';
export const KEY_BYTES = 32;

export interface Identity {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export class IdentityFileError extends Error {
  constructor(readonly path: string, why: string) {
    super(`identity file ${path}: ${why}`);
    this.name = 'IdentityFileError';
  }
}

export function generateIdentity(): Identity {
  const secretKey = new Uint8Array(randomBytes(KEY_BYTES));
  return { secretKey, publicKey: nobleCrypto.x25519PublicKey(secretKey) };
}

export function encodeKey(key: Uint8Array): string {
  return Buffer.from(key).toString('base64');
}

/** Parses a 32-byte key given as base64 or hex; undefined when it is neither. */
export function decodeKey(text: string): Uint8Array | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return new Uint8Array(Buffer.from(trimmed, 'hex'));
  if (!/^[A-Za-z0-9+/]{43}=?$/.test(trimmed)) return undefined;
  const bytes = Buffer.from(trimmed, 'base64');
  return bytes.byteLength === KEY_BYTES ? new Uint8Array(bytes) : undefined;
}

export function writeIdentity(path: string, identity: Identity, overwrite = false): void {
  const body = JSON.stringify({ kind: IDENTITY_KIND, public: encodeKey(identity.publicKey), secret: encodeKey(identity.secretKey) }, null, 2);
  try {
    writeFileSync(path, body + '\n', { mode: 0o600, flag: overwrite ? 'w' : 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new IdentityFileError(path, code === 'EEXIST' ? 'already exists (use --force to replace it)' : (error as Error).message);
  }
}

export function readIdentity(path: string): Identity {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new IdentityFileError(path, (error as Error).message);
  }
  const object = parsed as { kind?: unknown; secret?: unknown; public?: unknown };
  if (object.kind !== IDENTITY_KIND || typeof object.secret !== 'string') throw new IdentityFileError(path, 'not a peerlab identity');
  const secretKey = decodeKey(object.secret);
  if (!secretKey) throw new IdentityFileError(path, 'bad secret key');
  const publicKey = nobleCrypto.x25519PublicKey(secretKey);
  if (typeof object.public === 'string' && encodeKey(publicKey) !== object.public.trim()) {
    throw new IdentityFileError(path, 'public key does not match the secret key');
  }
  return { secretKey, publicKey };
}
