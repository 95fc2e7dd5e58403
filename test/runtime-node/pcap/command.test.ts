// Tests for the `peerlab pcap` and `peerlab viz` commands' plumbing: pcap writes a file
// from a trace and refuses bad usage; the viewer server serves the build and the trace,
// and nothing outside the build directory.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../runtime-node/cli/command.ts';
import { command as pcap } from '../../../runtime-node/cli/commands/pcap.ts';
import { command as viz, ensureViewerBuilt, serveViewer } from '../../../runtime-node/cli/commands/viz.ts';
import { syntheticTrace } from '../../viz/synthetic-trace.ts';

describe('peerlab pcap', () => {
  it('writes a pcapng file for a trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerlab-pcap-cli-'));
    const trace = join(dir, 't.jsonl');
    const s = syntheticTrace({ events: 200 });
    writeFileSync(trace, s.text);
    const out = join(dir, 't.pcapng');
    expect(await pcap.run([trace, out])).toBe(0);
    const bytes = readFileSync(out);
    expect(bytes.readUInt32LE(0)).toBe(0x0a0d0d0a); // section header block
    expect(bytes.readUInt32LE(8)).toBe(0x1a2b3c4d); // little-endian byte-order magic
  });

  it('refuses bad usage', async () => {
    await expect(pcap.run(['only-one.jsonl'])).rejects.toBeInstanceOf(UsageError);
    await expect(pcap.run(['a', 'b', '--bogus'])).rejects.toBeInstanceOf(UsageError);
    await expect(viz.run(['--port', 'x'])).rejects.toBeInstanceOf(UsageError);
  });
});

describe('peerlab viz server', () => {
  it('serves the viewer and the trace on 127.0.0.1, and nothing outside the build', async () => {
    await ensureViewerBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'peerlab-viz-cli-'));
    const trace = join(dir, 't.jsonl');
    writeFileSync(trace, '{"v":1,"kind":"run","world":"sim"}\n');
    const server = await serveViewer({ trace, port: 0 });
    try {
      // The trace is served at one fixed path; the file's own name travels for the viewer's title.
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?trace=%2Ftrace\.jsonl&name=t\.jsonl$/);
      const base = `http://127.0.0.1:${server.port}`;
      const index = await fetch(`${base}/`);
      expect(index.status).toBe(200);
      expect(await index.text()).toContain('peerlab trace viewer');
      expect(await (await fetch(`${base}/trace.jsonl`)).text()).toContain('"kind":"run"');
      expect((await fetch(`${base}/..%2f..%2fpackage.json`)).status).toBe(404);
      expect((await fetch(`${base}/missing.js`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
