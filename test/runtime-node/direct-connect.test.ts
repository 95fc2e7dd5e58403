// `peerlab connect --direct` (srudp's way, no rendezvous) through the real CLI on loopback: two
// processes, each given the other's address and a fixed --bind port, started 1.5 s apart (any
// order within the window), move a 16 MiB file; the receiver verifies the sha256 and both
// report the acknowledged end. A side whose peer never starts fails with one clear line.
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcesses, lastJson } from './cli-process.ts';

const procs = new CliProcesses();
const dirs: string[] = [];
afterEach(async () => {
  await procs.killAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('peerlab connect --direct on loopback', () => {
  it('moves 16 MiB with no rendezvous, sides started 1.5 s apart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerlab-direct-'));
    dirs.push(dir);
    const file = join(dir, 'send.bin');
    const data = randomBytes(16 * 1024 * 1024);
    writeFileSync(file, data);
    const out = join(dir, 'recv.bin');
    const [pa, pb] = [await freePort(), await freePort()];
    const a = `127.0.0.1:${pa}`;
    const b = `127.0.0.1:${pb}`;
    const recv = procs.start(['connect', '--direct', a, '--bind', b, '--recv', out, '--timeout-ms', '20000', '--json']);
    await new Promise((r) => setTimeout(r, 1_500));
    const send = procs.start(['connect', '--direct', b, '--bind', a, '--send', file, '--timeout-ms', '20000', '--json']);
    const [sendCode, recvCode] = await Promise.all([send.exit, recv.exit]);
    expect(sendCode, send.stderr).toBe(0);
    expect(recvCode, recv.stderr).toBe(0);
    const sha = createHash('sha256').update(data).digest('hex');
    const sent = lastJson(send.stdout);
    const got = lastJson(recv.stdout);
    expect(sent).toMatchObject({ ok: true, role: 'sender', bytes: data.byteLength, sha256: sha, path: 'direct', technique: 'simultaneous-open', confirmed: true });
    expect(got).toMatchObject({ ok: true, role: 'receiver', bytes: data.byteLength, sha256: sha, confirmed: true });
    expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(sha);
  }, 60_000);

  it('fails with one clear line when the other side never runs', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const run = procs.start(['connect', '--direct', `127.0.0.1:${pb}`, '--bind', `127.0.0.1:${pa}`, '--timeout-ms', '1500', '--json']);
    const code = await run.exit;
    expect(code).not.toBe(0);
    const result = lastJson(run.stdout);
    expect(result).toMatchObject({ ok: false, error: 'timeout' });
    expect(String(result['message'])).toMatch(/heard nothing back from it/);
  }, 20_000);

  it('refuses --direct without --bind, and with --rendezvous', async () => {
    const a = procs.start(['connect', '--direct', '127.0.0.1:9']);
    expect(await a.exit).not.toBe(0);
    expect(a.stderr).toMatch(/--direct needs --bind/);
    const b = procs.start(['connect', '--direct', '127.0.0.1:9', '--bind', '127.0.0.1:0', '--rendezvous', '127.0.0.1:3478']);
    expect(await b.exit).not.toBe(0);
    expect(b.stderr).toMatch(/--direct needs no rendezvous/);
  }, 20_000);
});
