// Loopback end to end through the real CLI: `peerlab rendezvous` and two `peerlab connect`
// processes on 127.0.0.1 move a 16 MiB file; the receiver verifies its sha256 and both sides
// report the acknowledged end (the sender on the receiver's verdict, the receiver on the
// sender's confirmation).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJson } from './cli-process.ts';
import { useLoopbackRendezvous } from './loopback-rendezvous.ts';

const loopback = useLoopbackRendezvous();
const { procs, connectArgs } = loopback;

describe('peerlab connect on loopback: transfer', () => {
  it('moves 16 MiB between two peers and both sides verify the sha256', async () => {
    const file = join(loopback.dir(), 'send.bin');
    const data = randomBytes(16 * 1024 * 1024);
    writeFileSync(file, data);
    const out = join(loopback.dir(), 'recv.bin');
    const recv = procs.start(connectArgs('r1', 's1', ['--recv', out, '--timeout-ms', '20000']));
    const send = procs.start(connectArgs('s1', 'r1', ['--send', file, '--timeout-ms', '20000']));
    const [sendCode, recvCode] = await Promise.all([send.exit, recv.exit]);
    const sent = lastJson(send.stdout);
    const got = lastJson(recv.stdout);
    expect(sendCode, send.stderr).toBe(0);
    expect(recvCode, recv.stderr).toBe(0);
    const sha = createHash('sha256').update(data).digest('hex');
    expect(sent).toMatchObject({ ok: true, role: 'sender', bytes: data.byteLength, sha256: sha, path: 'direct', confirmed: true });
    expect(got).toMatchObject({ ok: true, role: 'receiver', bytes: data.byteLength, sha256: sha, confirmed: true });
    expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(sha);
    expect(sent.goodput_mbps as number).toBeGreaterThan(0);
  }, 60_000);
});
