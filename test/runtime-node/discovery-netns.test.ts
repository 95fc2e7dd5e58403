// `peerlab discover` on a real LAN of network namespaces (a bridge in its own namespace, never
// linked to the machine's own), against a real, independent mDNS stack both ways:
//   ns a: dbus-daemon + avahi-daemon (in a private mount namespace, so each has its own system
//         bus and pid files), `avahi-publish -s "avahi peer" _peerlab._udp 7100 pk=... proto=rudp`,
//         then `avahi-browse -rpt _peerlab._udp`;
//   ns b, ns c: `peerlab discover --json --ping`, publishing themselves (and PING/PONG).
// Checks: b and c find each other (their keys, ports, addresses) and avahi's service; avahi-browse
// resolves both peerlab peers with their pk= TXT. Needs root, iproute2, avahi-daemon,
// avahi-utils, dbus; without them it skips loudly (fails under PEERLAB_REQUIRE_ALL=1).
// Everything is torn down (namespaces and their processes) even when the test fails.
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runIn, spawnIn, type ManagedProcess } from '../../runtime-node/lab/exec.ts';
import { LabNetwork, listLabNamespaces } from '../../runtime-node/lab/namespaces.ts';
import { missingPrerequisites } from './prerequisites.ts';

const skip = missingPrerequisites({ root: true, tools: ['ip', 'unshare', 'dbus-daemon', 'avahi-daemon', 'avahi-browse', 'avahi-publish'] });
const BIN = fileURLToPath(new URL('../../bin/peerlab.js', import.meta.url));
const AVAHI_KEY = 'cd'.repeat(32);

/** Runs inside ns a, in its own mount namespace: a private /run/dbus and /run/avahi-daemon. */
const avahiScript = `set -e
mount -t tmpfs tmpfs /run/dbus 2>/dev/null || { mkdir -p /run/dbus; mount -t tmpfs tmpfs /run/dbus; }
mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon
dbus-daemon --system --fork --nopidfile
avahi-daemon --no-drop-root --no-chroot --no-rlimits -D
sleep 1.5
avahi-publish -s "avahi peer" _peerlab._udp 7100 "pk=${AVAHI_KEY}" "proto=rudp" &
PUB=$!
sleep 6
echo "--- browse"
avahi-browse -rpt _peerlab._udp || true
echo "--- end"
# Keep publishing until the peerlab peers have printed their lists (no goodbye before that).
sleep 5
kill $PUB || true
avahi-daemon -k || true
`;

interface DiscoverJson {
  instance: string;
  key_hex: string;
  interface: string;
  peers: Array<{ instance: string; ips: string[]; port: number; key_hex: string; protocols: string[] }>;
  pinged?: string[];
}

const lab = new LabNetwork();
const procs: ManagedProcess[] = [];
afterAll(async () => {
  for (const p of procs) await p.stop(500);
  const failures = await lab.teardown();
  expect(failures).toEqual([]);
  expect(listLabNamespaces().filter((n) => n.startsWith(lab.prefix))).toEqual([]);
});

describe.skipIf(skip !== undefined)('peerlab discover in network namespaces, with avahi', () => {
  it('peerlab peers find each other and avahi\'s service; avahi-browse resolves the peerlab peers', async () => {
    const lan = await lab.addNamespace('lan');
    await lab.bridge(lan, 'br0');
    const hosts: Record<string, { ns: string; ip: string }> = {};
    const names = ['a', 'b', 'c'];
    for (let i = 0; i < names.length; i++) {
      const ns = await lab.addNamespace(names[i]!);
      const far = lab.ifname('l');
      await lab.link(lan, far, ns, 'eth0');
      await lab.enslave(lan, far, 'br0');
      const ip = `10.77.0.${i + 1}`;
      await lab.address(ns, 'eth0', `${ip}/24`);
      // Link-local multicast leaves by eth0 (there is no default route in a lab namespace).
      await runIn(ns, ['ip', 'route', 'add', '224.0.0.0/4', 'dev', 'eth0']);
      hosts[names[i]!] = { ns, ip };
    }
    const avahi = spawnIn(hosts['a']!.ns, 'avahi', ['unshare', '-m', 'sh', '-c', avahiScript]);
    procs.push(avahi);
    const discover = (name: string, port: number): ManagedProcess => {
      const p = spawnIn(hosts[name]!.ns, `discover-${name}`, [process.execPath, BIN, 'discover', '--timeout-ms', '8000', '--json', '--ping', '--port', String(port), '--instance', `peerlab ${name}`]);
      procs.push(p);
      return p;
    };
    const b = discover('b', 7200);
    const c = discover('c', 7300);
    await Promise.all([avahi.exited, b.exited, c.exited]);
    expect(b.exitCode, b.tail()).toBe(0);
    expect(c.exitCode, c.tail()).toBe(0);
    expect(avahi.exitCode, avahi.tail()).toBe(0);
    const jb = JSON.parse(b.stdout.trim().split('\n').pop()!) as DiscoverJson;
    const jc = JSON.parse(c.stdout.trim().split('\n').pop()!) as DiscoverJson;

    // peerlab <-> peerlab, across namespaces.
    const cInB = jb.peers.find((p) => p.instance === 'peerlab c');
    const bInC = jc.peers.find((p) => p.instance === 'peerlab b');
    expect(cInB, b.stdout).toMatchObject({ port: 7300, key_hex: jc.key_hex, protocols: ['rudp', 'typed'] });
    expect(cInB!.ips).toContain('10.77.0.3');
    expect(bInC, c.stdout).toMatchObject({ port: 7200, key_hex: jb.key_hex });
    expect(bInC!.ips).toContain('10.77.0.2');

    // peerpy-style PING/PONG on the subnet broadcast: each found the other's peer port.
    expect(jb.pinged, b.stdout).toEqual(['10.77.0.3:7300']);
    expect(jc.pinged, c.stdout).toEqual(['10.77.0.2:7200']);

    // avahi -> peerlab: the service avahi-publish announced, with its TXT key.
    for (const j of [jb, jc]) {
      const a = j.peers.find((p) => p.instance === 'avahi peer');
      expect(a, `${JSON.stringify(j)}\navahi:\n${avahi.tail(40)}`).toMatchObject({ port: 7100, key_hex: AVAHI_KEY, protocols: ['rudp'] });
      expect(a!.ips).toContain('10.77.0.1');
    }

    // peerlab -> avahi: avahi-browse resolves both peerlab peers (address, port, pk= TXT).
    const browse = avahi.stdout.split('--- browse')[1] ?? '';
    const resolved = browse.split('\n').filter((l) => l.startsWith('=;') && l.includes(';IPv4;'));
    const row = (instance: string) => resolved.find((l) => l.split(';')[3] === instance.replace(' ', '\\032'));
    expect(row('peerlab b'), avahi.stdout).toMatch(new RegExp(`;10\\.77\\.0\\.2;7200;.*"pk=${jb.key_hex}"`));
    expect(row('peerlab c'), avahi.stdout).toMatch(new RegExp(`;10\\.77\\.0\\.3;7300;.*"pk=${jc.key_hex}"`));
  }, 60_000);
});
