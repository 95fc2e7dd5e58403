// Issue 9, finding 3: `peerlab connect --recv F` opened F for writing (truncating it) as soon as
// a session opened, even one whose peer identity was then refused, and a transfer that failed
// left F cut short. Now the receiver writes a temporary file beside F and renames it over F
// only after the sha256 verified: a failure leaves an existing F byte for byte as it was and
// no temporary file behind; a success replaces F with the verified copy, acknowledged by both.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJson } from './cli-process.ts';
import { useLoopbackRendezvous } from './loopback-rendezvous.ts';

const loopback = useLoopbackRendezvous();
const { procs, connectArgs } = loopback;
const ORIGINAL = 'the precious original content of F\n';

/** A fresh sub-directory with F holding ORIGINAL. */
function existingFile(name: string): { dir: string; file: string } {
  const dir = join(loopback.dir(), name);
  mkdirSync(dir);
  const file = join(dir, 'F.bin');
  writeFileSync(file, ORIGINAL);
  return { dir, file };
}

describe('finding 3: --recv never damages an existing file', () => {
  it('the receiver refuses the peer identity (responder with a wrong --expect-peer): F untouched', async () => {
    const { dir, file } = existingFile('identity');
    const send = join(loopback.dir(), 'identity-send.bin');
    writeFileSync(send, randomBytes(256 * 1024));
    // "a-…" < "z-…": the sender dials, the receiver is the responder that checks the key.
    const recv = procs.start(connectArgs('z-recv3', 'a-send3', ['--recv', file, '--expect-peer', randomBytes(32).toString('base64'), '--timeout-ms', '5000']));
    const sender = procs.start(connectArgs('a-send3', 'z-recv3', ['--send', send, '--timeout-ms', '15000']));
    expect(await recv.exit, recv.stderr).toBe(1);
    sender.child.kill('SIGKILL');
    expect(lastJson(recv.stdout).ok).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(ORIGINAL);
    expect(readdirSync(dir)).toEqual(['F.bin']);
  }, 40_000);

  it('the sender dies mid-transfer: F untouched, no temporary file left', async () => {
    const { dir, file } = existingFile('killed');
    const send = join(loopback.dir(), 'killed-send.bin');
    writeFileSync(send, randomBytes(24 * 1024 * 1024));
    const recv = procs.start(connectArgs('r-kill', 's-kill', ['--recv', file, '--idle-timeout-ms', '2000']));
    const sender = procs.start(connectArgs('s-kill', 'r-kill', ['--send', send, '--idle-timeout-ms', '2000']));
    await procs.waitFor(recv, /receiving .*: [1-9]\d*\/100/, 30_000);
    sender.child.kill('SIGKILL');
    expect(await recv.exit).toBe(1);
    expect(lastJson(recv.stdout)).toMatchObject({ ok: false, error: 'peer-gone' });
    expect(readFileSync(file, 'utf8')).toBe(ORIGINAL);
    expect(readdirSync(dir)).toEqual(['F.bin']);
  }, 60_000);

  it('the receiver is interrupted (SIGTERM): F untouched, no temporary file, and the sender is told at once', async () => {
    const { dir, file } = existingFile('interrupted');
    const send = join(loopback.dir(), 'interrupted-send.bin');
    writeFileSync(send, randomBytes(24 * 1024 * 1024));
    const recv = procs.start(connectArgs('r-int', 's-int', ['--recv', file]));
    const sender = procs.start(connectArgs('s-int', 'r-int', ['--send', send]));
    await procs.waitFor(recv, /receiving .*: [1-9]\d*\/100/, 30_000);
    recv.child.kill('SIGTERM');
    const stoppedAt = Date.now();
    expect(await recv.exit).toBe(1);
    expect(lastJson(recv.stdout)).toMatchObject({ ok: false, error: 'interrupted' });
    expect(readFileSync(file, 'utf8')).toBe(ORIGINAL);
    expect(readdirSync(dir)).toEqual(['F.bin']);
    // The sender hears the abort rather than waiting out its 30 s idle timeout.
    expect(await sender.exit).toBe(1);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    expect(lastJson(sender.stdout)).toMatchObject({ ok: false, error: 'peer-gone', transfer_error: 'peer-aborted' });
    expect(String(lastJson(sender.stdout).message)).toMatch(/interrupted/);
  }, 60_000);

  it('a verified transfer replaces F, and both sides report the acknowledged end', async () => {
    const { dir, file } = existingFile('replaced');
    const send = join(loopback.dir(), 'replaced-send.bin');
    const data = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(send, data);
    const recv = procs.start(connectArgs('r-ok', 's-ok', ['--recv', file, '--timeout-ms', '20000']));
    const sender = procs.start(connectArgs('s-ok', 'r-ok', ['--send', send, '--timeout-ms', '20000']));
    const [sendCode, recvCode] = await Promise.all([sender.exit, recv.exit]);
    expect(sendCode, sender.stderr).toBe(0);
    expect(recvCode, recv.stderr).toBe(0);
    const sha = createHash('sha256').update(data).digest('hex');
    expect(lastJson(sender.stdout)).toMatchObject({ ok: true, role: 'sender', sha256: sha, bytes: data.byteLength, confirmed: true });
    expect(lastJson(recv.stdout)).toMatchObject({ ok: true, role: 'receiver', sha256: sha, bytes: data.byteLength, confirmed: true });
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(sha);
    expect(readdirSync(dir)).toEqual(['F.bin']);
  }, 60_000);
});
