// `peerlab keygen --out <file>`: a new X25519 identity for `peerlab connect --key`; prints
// the public key, which the other side passes as --expect-peer.
import { checkIdentityTarget, encodeKey, generateIdentity, writeIdentity } from '../../identity-file.ts';
import { booleanFlag, parseArgs, stringFlag } from '../args.ts';
import { EXIT_OK, UsageError, type CliCommand } from '../command.ts';

const usage = `usage: peerlab keygen --out <file> [--force]

Writes a new X25519 identity (secret + public key, JSON, mode 0600) to <file> and prints
the public key (base64). An existing <file> is refused unless --force, which replaces it
with a new 0600 file (written beside it and renamed into place). Give the file to 'peerlab connect --key <file>' and the printed key
to the other side's 'peerlab connect --expect-peer <key>'.`;

export const command: CliCommand = {
  name: 'keygen',
  summary: 'create an X25519 identity file and print its public key',
  usage,
  async run(args) {
    const parsed = parseArgs(args, { out: 'string', force: 'boolean' });
    const out = stringFlag(parsed, 'out') ?? parsed.positionals[0];
    if (!out) throw new UsageError('--out <file> is required');
    if (parsed.positionals.length > (stringFlag(parsed, 'out') ? 0 : 1)) throw new UsageError('give one output file');
    const force = booleanFlag(parsed, 'force');
    checkIdentityTarget(out, force); // refuse a directory or an existing file before making a key
    const identity = generateIdentity();
    writeIdentity(out, identity, force);
    process.stdout.write(`${encodeKey(identity.publicKey)}\n`);
    return EXIT_OK;
  },
};
