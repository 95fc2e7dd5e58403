// `peerlab connect --direct` between two network namespaces behind real kernel NATs (nftables
// masquerade + inbound firewall: the lab's port-restricted cone, which keeps the bound port),
// with no rendezvous anywhere: each side is given the other's public address and its own fixed
// --bind port, the second starts 1 s after the first, and 16 MiB cross with the sha256 verified.
// Needs root, iproute2, nftables (and coturn, which the lab harness checks for); skips loudly
// without them and fails under PEERLAB_REQUIRE_ALL=1. The lab is torn down even on failure.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sleep, spawnIn } from '../../runtime-node/lab/exec.ts';
import { withLab } from '../../runtime-node/lab/harness.ts';
import { listLabNamespaces } from '../../runtime-node/lab/namespaces.ts';
import { buildTopology, publicNat } from '../../runtime-node/lab/topology.ts';
import { lastJson } from './cli-process.ts';
import { missingPrerequisites } from './prerequisites.ts';

const skip = missingPrerequisites({ root: true, tools: ['ip', 'nft', 'turnserver'] });
const BIN = fileURLToPath(new URL('../../bin/peerlab.js', import.meta.url));

describe.skipIf(skip !== undefined)('peerlab connect --direct through kernel NATs', () => {
  it('moves 16 MiB between two hosts behind port-restricted cone NATs, no rendezvous', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerlab-direct-lab-'));
    let prefix = '';
    try {
      const file = join(dir, 'send.bin');
      const out = join(dir, 'recv.bin');
      const data = randomBytes(16 * 1024 * 1024);
      writeFileSync(file, data);
      const { send, recv } = await withLab(async (session) => {
        prefix = session.net.prefix;
        const built = await buildTopology(session.net, {
          nats: [publicNat('nat-a', 'port-restricted-cone', '203.0.113.10', 1), publicNat('nat-b', 'port-restricted-cone', '198.51.100.20', 2)],
          hosts: [
            { name: 'a', ip: '10.0.1.2', nat: 'nat-a' },
            { name: 'b', ip: '10.0.2.2', nat: 'nat-b' },
          ],
        });
        const ns = (name: string): string => built.namespaces.get(name)!;
        const recv = session.track(spawnIn(ns('b'), 'recv', [process.execPath, BIN, 'connect', '--direct', '203.0.113.10:5000', '--bind', '10.0.2.2:5000', '--recv', out, '--timeout-ms', '30000', '--json']));
        await sleep(1_000);
        const send = session.track(spawnIn(ns('a'), 'send', [process.execPath, BIN, 'connect', '--direct', '198.51.100.20:5000', '--bind', '10.0.1.2:5000', '--send', file, '--timeout-ms', '30000', '--json']));
        await Promise.all([send.exited, recv.exited]);
        return { send, recv };
      });
      expect(send.exitCode, send.tail()).toBe(0);
      expect(recv.exitCode, recv.tail()).toBe(0);
      const sha = createHash('sha256').update(data).digest('hex');
      expect(lastJson(send.stdout)).toMatchObject({ ok: true, role: 'sender', bytes: data.byteLength, sha256: sha, path: 'direct', technique: 'simultaneous-open', confirmed: true });
      expect(lastJson(recv.stdout)).toMatchObject({ ok: true, role: 'receiver', bytes: data.byteLength, sha256: sha });
      expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(sha);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      expect(listLabNamespaces().filter((n) => prefix !== '' && n.startsWith(prefix))).toEqual([]);
    }
  }, 90_000);
});
