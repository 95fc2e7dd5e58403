// The kernel-NAT lab's plumbing, checked with plain UDP before any protocol runs: namespaces,
// veths, nftables routers and coturn come up, a STUN probe sees the router's public address
// (with the port preserved by masquerade, randomised by fully-random), simultaneous probes
// get through cone routers and not symmetric ones, and everything is gone afterwards.
import { describe, expect, it } from 'vitest';
import { findCase } from '../../../runtime-node/lab/cases.ts';
import { withLab } from '../../../runtime-node/lab/harness.ts';
import { listLabNamespaces } from '../../../runtime-node/lab/namespaces.ts';
import { probeCase } from '../../../runtime-node/lab/probe-case.ts';
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
});
