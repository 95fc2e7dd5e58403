// Tests for the pcapng export: frames decode as valid IPv4/IPv6 UDP with correct
// checksums, and tshark reads the file back with one frame per send (skips loudly without
// tshark; fails when PEERLAB_REQUIRE_ALL=1).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { exportPcapng } from '../../../runtime-node/pcap/export.ts';
import { udpPacket } from '../../../runtime-node/pcap/frame.ts';
import { parseAddr } from '../../../protocol/core/addr.ts';
import { NAT_TRAVERSAL_SCENARIO, scenarioTrace } from '../../viz/scenario-trace.ts';
import { syntheticTrace } from '../../viz/synthetic-trace.ts';

const TSHARK = '/usr/bin/tshark';
const haveTshark = existsSync(TSHARK);
const requireAll = process.env.PEERLAB_REQUIRE_ALL === '1';
if (!haveTshark) console.warn(`SKIPPING tshark round-trip: ${TSHARK} not installed (apt-get install tshark)`);

function sum16(bytes: Uint8Array, initial = 0): number {
  let s = initial;
  for (let i = 0; i < bytes.length; i += 2) s += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

describe('udpPacket', () => {
  it('builds an IPv4 packet whose header and UDP checksums verify', () => {
    const p = udpPacket(parseAddr('10.0.0.1:5000'), parseAddr('203.0.113.9:3478'), Uint8Array.of(1, 2, 3), 7);
    expect(p.byteLength).toBe(20 + 8 + 3);
    expect(sum16(p.subarray(0, 20))).toBe(0xffff);
    const pseudo = Uint8Array.of(...p.subarray(12, 20), 0, 17, 0, 11);
    expect(sum16(p.subarray(20), sum16(pseudo))).toBe(0xffff);
  });

  test.prop([fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 65535 }), fc.boolean()])('UDP checksum verifies for any payload and port', (payload, port, v6) => {
    const src = parseAddr(v6 ? `[2001:db8::1]:${port}` : `192.0.2.1:${port}`);
    const dst = parseAddr(v6 ? '[2001:db8::2]:9' : '198.51.100.7:9');
    const p = udpPacket(src, dst, payload, 1);
    const header = v6 ? 40 : 20;
    const addrs = v6 ? p.subarray(8, 40) : p.subarray(12, 20);
    const udpLength = 8 + payload.byteLength;
    const pseudo = Uint8Array.of(...addrs, 0, 17, udpLength >> 8, udpLength & 0xff);
    expect(sum16(p.subarray(header), sum16(pseudo))).toBe(0xffff);
  });
});

describe('exportPcapng', () => {
  it('writes one frame per send, more with --hops, and payload bytes from `data`', () => {
    const s = syntheticTrace({ events: 500 });
    const plain = exportPcapng(s.text.split('\n'));
    expect(plain.frames).toBe(s.counts.sends);
    const hops = exportPcapng(s.text.split('\n'), { hops: true });
    expect(hops.frames).toBe(s.counts.sends + s.counts.nats);
    const withData = exportPcapng(['{"t":1,"kind":"send","node":"a","id":1,"src":"10.0.0.1:1","dst":"[::1]:2","bytes":2}', '{"t":2,"kind":"send","node":"a","id":2,"src":"10.0.0.1:1","dst":"10.0.0.2:2","bytes":2,"data":"e0ff"}', 'junk']);
    expect(withData.frames).toBe(1);
    expect(withData.skipped).toEqual({ 'mixed-families': 1 });
    expect(withData.badLines).toBe(1);
    const bytes = Buffer.from(withData.bytes);
    expect(bytes.indexOf(Buffer.from([0xe0, 0xff]))).toBeGreaterThan(0);
  });

  it.skipIf(!haveTshark && !requireAll)('reads back in tshark with the same frame count and good checksums', () => {
    expect(haveTshark, `${TSHARK} is required (PEERLAB_REQUIRE_ALL=1)`).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'peerlab-pcap-'));
    const s = syntheticTrace({ events: 2000, seed: 9 });
    const file = join(dir, 'trace.pcapng');
    const result = exportPcapng(s.text.split('\n'), { hops: true });
    writeFileSync(file, result.bytes);
    const run = (args: string[]): string => execFileSync(TSHARK, ['-n', '-r', file, ...args], { encoding: 'utf8', env: { ...process.env, HOME: dir } });
    const frames = run(['-T', 'fields', '-e', 'frame.number']).trim().split('\n');
    expect(frames).toHaveLength(s.counts.sends + s.counts.nats);
    const udp = run(['-Y', 'udp', '-T', 'fields', '-e', 'frame.number']).trim().split('\n');
    expect(udp).toHaveLength(frames.length);
    const bad = run(['-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-Y', 'udp.checksum.status == 0 || ip.checksum.status == 0', '-T', 'fields', '-e', 'frame.number']).trim();
    expect(bad).toBe('');
    const first = run(['-c', '1', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.comment', '-e', 'udp.length']).trim().split('\t');
    expect(Number(first[0])).toBeCloseTo(syntheticFirstSendMs(s.text) / 1000, 6);
    expect(first[1]).toMatch(/^peerlab id=1 stun/);
  });

  it.skipIf(!haveTshark && !requireAll)(`reads a real scenario trace (${NAT_TRAVERSAL_SCENARIO}) plus an IPv6 send back in tshark`, () => {
    expect(haveTshark, `${TSHARK} is required (PEERLAB_REQUIRE_ALL=1)`).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'peerlab-pcap-'));
    const text = scenarioTrace(NAT_TRAVERSAL_SCENARIO) + '{"t":99999,"kind":"send","node":"a","id":"v6","src":"[2001:db8::1]:5000","dst":"[2001:db8::2]:7","bytes":48,"proto":"echo","data":"e0"}\n';
    const sends = text.split('\n').filter((l) => l.includes('"kind":"send"')).length;
    const file = join(dir, 'trace.pcapng');
    writeFileSync(file, exportPcapng(text.split('\n')).bytes);
    const run = (args: string[]): string => execFileSync(TSHARK, ['-n', '-r', file, ...args], { encoding: 'utf8', env: { ...process.env, HOME: dir } });
    expect(run(['-T', 'fields', '-e', 'frame.number']).trim().split('\n')).toHaveLength(sends);
    expect(run(['-Y', 'ipv6 && udp.dstport == 7', '-T', 'fields', '-e', 'udp.length']).trim()).toBe('56');
    const bad = run(['-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-Y', 'udp.checksum.status == 0 || ip.checksum.status == 0', '-T', 'fields', '-e', 'frame.number']).trim();
    expect(bad).toBe('');
  });
});

function syntheticFirstSendMs(text: string): number {
  const line = text.split('\n').find((l) => l.includes('"kind":"send"'))!;
  return (JSON.parse(line) as { t: number }).t;
}
