// Loopback end to end through the real CLI: `peerlab rendezvous` and two `peerlab connect`
// processes on 127.0.0.1 move a 16 MiB file and both verify its sha256.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcesses, lastJson } from './cli-process.ts';

const procs = new CliProcesses();
let dir = '';
let rendezvous = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peerlab-connect-'));
  const server = procs.start(['rendezvous', '--listen', '127.0.0.1:0', '--relay-bytes-max', String(64 << 20)]);
  rendezvous = (await procs.waitFor(server, /listening on (127\.0\.0\.1:\d+)/, 20_000))[1]!;
});
afterAll(async () => {
  await procs.killAll();
  rmSync(dir, { recursive: true, force: true });
});

function connectArgs(id: string, peer: string, extra: string[]): string[] {
  return ['connect', '--rendezvous', rendezvous, '--id', id, '--peer', peer, '--bind', '127.0.0.1:0', '--json', ...extra];
}

describe('peerlab connect on loopback: transfer', () => {
  it('moves 16 MiB between two peers and both sides verify the sha256', async () => {
    const file = join(dir, 'send.bin');
    const data = randomBytes(16 * 1024 * 1024);
    writeFileSync(file, data);
    const out = join(dir, 'recv.bin');
    const recv = procs.start(connectArgs('r1', 's1', ['--recv', out, '--timeout-ms', '20000']));
    const send = procs.start(connectArgs('s1', 'r1', ['--send', file, '--timeout-ms', '20000']));
    const [sendCode, recvCode] = await Promise.all([send.exit, recv.exit]);
    const sent = lastJson(send.stdout);
    const got = lastJson(recv.stdout);
    expect(sendCode, send.stderr).toBe(0);
    expect(recvCode, recv.stderr).toBe(0);
    const sha = createHash('sha256').update(data).digest('hex');
    expect(sent).toMatchObject({ ok: true, role: 'sender', bytes: data.byteLength, sha256: sha, path: 'direct' });
    expect(got).toMatchObject({ ok: true, role: 'receiver', bytes: data.byteLength, sha256: sha });
    expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(sha);
    expect(sent.goodput_mbps as number).toBeGreaterThan(0);
  }, 60_000);

});
