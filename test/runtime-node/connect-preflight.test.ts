// Issue 9, finding 9: `peerlab connect --send` of a missing file and `--recv` into a missing
// directory were found only after registering and punching (the other side then waited for its
// idle timeout). Now every file problem is one line and exit 1 before any network step: the
// "rendezvous" here is a UDP socket of ours that must receive nothing.
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcesses, lastJson } from './cli-process.ts';

const procs = new CliProcesses();
let socket: Socket;
let port = 0;
let datagrams = 0;
let dir = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peerlab-preflight-'));
  socket = createSocket('udp4');
  socket.on('message', () => datagrams++);
  port = await new Promise<number>((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket.address().port)));
});

afterAll(async () => {
  await procs.killAll();
  socket.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs connect with `extra`; the session timeout is long enough that a network attempt shows. */
async function connect(extra: string[]): Promise<{ code: number | null; stderr: string; json: Record<string, unknown> }> {
  const before = datagrams;
  const run = procs.start(['connect', '--rendezvous', `127.0.0.1:${port}`, '--id', 'pre-a', '--peer', 'pre-b', '--bind', '127.0.0.1:0', '--timeout-ms', '4000', '--json', ...extra]);
  const code = await run.exit;
  expect(datagrams - before, `datagrams sent to the rendezvous before the error\n${run.stderr}`).toBe(0);
  return { code, stderr: run.stderr, json: lastJson(run.stdout) };
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n').filter((l) => !l.startsWith('pre-a: my public key'));
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
}

describe('finding 9: file problems are one line before any network step', () => {
  it('--send of a missing file', async () => {
    const r = await connect(['--send', join(dir, 'nope.bin')]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/^peerlab connect: cannot read --send .*nope\.bin: no such file or directory$/);
    expect(r.json).toMatchObject({ ok: false, error: 'file' });
  }, 20_000);

  it('--send of a directory', async () => {
    const r = await connect(['--send', dir]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/not a regular file|is a directory/);
  }, 20_000);

  it('--recv into a missing directory', async () => {
    const r = await connect(['--recv', join(dir, 'missing', 'out.bin')]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/^peerlab connect: cannot receive into .*out\.bin: directory .*missing: no such file or directory$/);
    expect(r.json).toMatchObject({ ok: false, error: 'file' });
  }, 20_000);

  it('--recv onto an existing directory', async () => {
    const r = await connect(['--recv', dir]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/it is a directory/);
  }, 20_000);

  it('a readable --send still starts the network (the check is not a blanket refusal)', async () => {
    const file = join(dir, 'real.bin');
    writeFileSync(file, 'x');
    const before = datagrams;
    const run = procs.start(['connect', '--rendezvous', `127.0.0.1:${port}`, '--id', 'pre-c', '--peer', 'pre-d', '--bind', '127.0.0.1:0', '--timeout-ms', '1500', '--json', '--send', file]);
    expect(await run.exit).toBe(1);
    expect(lastJson(run.stdout)).toMatchObject({ ok: false, error: 'timeout' });
    expect(datagrams - before).toBeGreaterThan(0);
  }, 20_000);
});
