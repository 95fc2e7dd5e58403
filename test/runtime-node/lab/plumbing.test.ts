// The kernel-NAT lab's plumbing, checked with plain UDP before any protocol runs: namespaces,
// veths, nftables routers and coturn come up, a STUN probe sees the router's public address
// (with the port preserved by masquerade, randomised by fully-random), simultaneous probes
// get through cone routers and not symmetric ones, and everything is gone afterwards, also
// when `peerlab lab` is interrupted with SIGINT half-way.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCase } from '../../../runtime-node/lab/cases.ts';
import { withLab } from '../../../runtime-node/lab/harness.ts';
import { listLabNamespaces, sweepLeftovers } from '../../../runtime-node/lab/namespaces.ts';
import { probeCase } from '../../../runtime-node/lab/probe-case.ts';
import { nodeTs, runIn, spawnIn } from '../../../runtime-node/lab/exec.ts';
import { buildTopology } from '../../../runtime-node/lab/topology.ts';
import { missingPrerequisites } from '../prerequisites.ts';

const skip = missingPrerequisites({ root: true, tools: ['ip', 'nft', 'turnserver'] });

describe.skipIf(skip !== undefined)('kernel-NAT lab plumbing (UDP probes)', () => {
  it('cone ↔ cone: ports preserved, simultaneous probes get through both ways', async () => {
    const outcome = await withLab((session) => probeCase(session, findCase('cone-cone')!));
    expect(outcome.mapped.a).toBe('203.0.113.10:40000');
    expect(outcome.mapped.b).toBe('198.51.100.20:40000');
    expect(outcome.through).toBe('both');
    expect(listLabNamespaces().filter((n) => n.startsWith(`plab${process.pid.toString(36)}`))).toEqual([]);
  });

  it('symmetric ↔ symmetric: random ports, nothing gets through', async () => {
    const outcome = await withLab((session) => probeCase(session, findCase('symmetric-symmetric')!));
    expect(outcome.mapped.a).toMatch(/^203\.0\.113\.10:\d+$/);
    expect(outcome.through).toBe('none');
  });

  it('tears everything down when the case throws', async () => {
    let prefix = '';
    await expect(
      withLab(async (session) => {
        prefix = session.net.prefix;
        await session.net.addNamespace('doomed');
        throw new Error('case failed on purpose');
      }),
    ).rejects.toThrow('on purpose');
    expect(listLabNamespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
  });

  it('peerlab lab interrupted by SIGINT leaves no namespace and no process behind', async () => {
    const bin = fileURLToPath(new URL('../../../bin/peerlab.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'lab', 'cone-cone', '--probe'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const prefix = `plab${child.pid!.toString(36)}`;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // Interrupt half-way: once the lab says coturn is up (namespaces built, a process in
      // them) and the probes are starting, not after a guessed delay.
      await new Promise<void>((resolve, reject) => {
        let stderr = '';
        const timer = setTimeout(() => reject(new Error(`no "coturn ready" from peerlab lab within 30 s:\n${stderr}`)), 30_000);
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
          if (/coturn ready/.test(stderr)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`peerlab lab exited (${code}) before coturn was ready:\n${stderr}`));
        });
      });
      const ours = listLabNamespaces().filter((n) => n.startsWith(prefix));
      expect(ours.length).toBeGreaterThan(0);
      const pids = ours.flatMap((ns) => execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean).map(Number));
      expect(pids.length).toBeGreaterThan(0); // coturn at least: the teardown has something to kill
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(listLabNamespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
      // Exited processes may linger as zombies until PID 1 reaps them; those count as gone.
      const alive = pids.filter((pid) => {
        try {
          return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        } catch {
          return false;
        }
      });
      expect(alive).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 40_000);

  it('the driver broadcasts with SO_BROADCAST on a lab LAN (inside namespaces only)', async () => {
    const entry = fileURLToPath(new URL('../../../runtime-node/lab/broadcast-main.ts', import.meta.url));
    const result = await withLab(async (session) => {
      const built = await buildTopology(session.net, findCase('same-lan')!.topology);
      // The listener stops at its first datagram (--until 1); --for only bounds a failure.
      const listener = session.track(spawnIn(built.namespaces.get('b')!, 'listener', [...nodeTs(entry), 'listen', '--port', '41000', '--for', '15000', '--until', '1']));
      await listener.waitForOutput(/^bound /m, 20_000);
      const sender = await runIn(built.namespaces.get('a')!, [...nodeTs(entry), 'send', '10.0.1.255:41000', '--port', '41001']);
      await listener.exited;
      return { listener: JSON.parse(listener.stdout.trim()) as { heard: string[] }, sender: JSON.parse(sender.trim()) as { errors: string[] } };
    });
    expect(result.sender.errors).toEqual([]);
    expect(result.listener.heard).toContain('10.0.1.2:41001');
  }, 40_000);

  it('sweeps namespaces left by a lab run whose process is gone, and only those', async () => {
    // pid 4194304 is above Linux's pid_max ceiling, so no process can own it.
    const dead = `plab${(4_194_304).toString(36)}0-leftover`;
    execFileSync('ip', ['netns', 'add', dead]);
    try {
      const removed = await sweepLeftovers();
      expect(removed).toContain(dead);
      expect(listLabNamespaces()).not.toContain(dead);
    } finally {
      if (listLabNamespaces().includes(dead)) execFileSync('ip', ['netns', 'del', dead]);
    }
  });
});
