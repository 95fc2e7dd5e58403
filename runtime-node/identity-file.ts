// The X25519 identity file `peerlab keygen` writes and `peerlab connect --key` reads: JSON
// with the secret and public key in base64, created 0600 so other users cannot read it.
// Written to a 0600 temporary file beside the target and moved into place, so the secret is
// never readable by others, not even for a moment and not when --force replaces a 0644 file.
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, lstatSync, readFileSync, renameSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
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

/** Mode of every identity file: owner read/write only. */
export const IDENTITY_FILE_MODE = 0o600;

function errnoText(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'its directory does not exist';
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a directory; give a file name';
  return e.message;
}

/**
 * Checks that `path` can take a new identity: not a directory, and not an existing file
 * unless `overwrite`. Throws IdentityFileError; called before any key is generated.
 */
export function checkIdentityTarget(path: string, overwrite: boolean): void {
  let existing: Stats | undefined;
  try {
    existing = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new IdentityFileError(path, errnoText(error));
  }
  if (existing === undefined) return;
  if (existing.isDirectory()) throw new IdentityFileError(path, 'is a directory; give a file name');
  if (!existing.isFile() && !existing.isSymbolicLink()) throw new IdentityFileError(path, 'exists and is not a regular file');
  if (!overwrite) throw new IdentityFileError(path, 'already exists (use --force to replace it)');
}

export function writeIdentity(path: string, identity: Identity, overwrite = false): void {
  checkIdentityTarget(path, overwrite);
  const body = JSON.stringify({ kind: IDENTITY_KIND, public: encodeKey(identity.publicKey), secret: encodeKey(identity.secretKey) }, null, 2);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, body + '\n', { mode: IDENTITY_FILE_MODE, flag: 'wx' });
    chmodSync(temp, IDENTITY_FILE_MODE); // exact, whatever the umask
  } catch (error) {
    tryUnlink(temp);
    throw new IdentityFileError(path, errnoText(error));
  }
  try {
    // Without --force a link fails atomically if the name appeared meanwhile; with it, the
    // rename replaces the old file (or symlink) in one step.
    if (overwrite) renameSync(temp, path);
    else {
      linkSync(temp, path);
      tryUnlink(temp);
    }
  } catch (error) {
    tryUnlink(temp);
    const code = (error as NodeJS.ErrnoException).code;
    throw new IdentityFileError(path, code === 'EEXIST' ? 'already exists (use --force to replace it)' : errnoText(error));
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

export function readIdentity(path: string): Identity {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new IdentityFileError(path, code === 'ENOENT' ? 'does not exist (make one with peerlab keygen --out <file>)' : error instanceof SyntaxError ? 'not JSON' : errnoText(error));
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
