// SecureSocket over real loopback UDP: a pipeline of bytes arrives sha256-equal, datagrams
// pass beside the stream, a wrong pinned identity rejects with a typed error, and an
// exception inside the listener's endpoint while one peer handshakes is caught, counted and
// traced by the driver while the listener goes on serving the next peer.
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { x25519 } from '@noble/curves/ed25519.js';
import { addr } from '../../protocol/core/addr.ts';
import { RudpError } from '../../protocol/rudp/errors.ts';
import { SecureSocket } from '../../runtime-node/secure-socket.ts';

const loopback = addr('127.0.0.1', 0);

describe('SecureSocket', () => {
  it('pipes 8 MiB through pipeline() intact and closes both ways', async () => {
    const server = await SecureSocket.listen({ identity: randomBytes(32), bind: loopback });
    const data = randomBytes(8 * 1024 * 1024);
    const received = (async () => {
      for await (const socket of server.accept()) {
        const hash = createHash('sha256');
        let bytes = 0;
        for await (const chunk of socket) {
          hash.update(chunk as Buffer);
          bytes += (chunk as Buffer).byteLength;
        }
        return { bytes, digest: hash.digest('hex') };
      }
      throw new Error('no connection');
    })();
    const client = await SecureSocket.connect(`127.0.0.1:${server.address.port}`, {
      identity: randomBytes(32),
      expectedPeer: server.publicKey,
    });
    const chunks = Array.from({ length: 128 }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
    await pipeline(Readable.from(chunks), client);
    const result = await received;
    expect(result.bytes).toBe(data.byteLength);
    expect(result.digest).toBe(createHash('sha256').update(data).digest('hex'));
    const stats = client.stats();
    if (stats) expect(stats.srtt_ms).toBeGreaterThan(0);
    await server.close();
  });

  it('issue 15: joins small packets into few reads, passes 65,000-byte PMTU packets as they are, intact', async () => {
    for (const pmtu of [0, 65_000]) {
      const server = await SecureSocket.listen({ identity: randomBytes(32), bind: loopback, config: { pmtu_probe_max_bytes: pmtu } });
      const data = randomBytes(8 * 1024 * 1024);
      const received = (async () => {
        for await (const socket of server.accept()) {
          const hash = createHash('sha256');
          let bytes = 0;
          let reads = 0;
          let whole = 0;
          // 'data' events: one per pushed Buffer (flowing mode never joins them).
          await new Promise<void>((resolve, reject) => {
            socket.on('data', (chunk: Buffer) => {
              hash.update(chunk);
              bytes += chunk.byteLength;
              reads++;
              // One PMTU-sized packet's payload, neither split nor joined with the next.
              if (chunk.byteLength > 60_000 && chunk.byteLength <= 65_000) whole++;
            });
            socket.on('end', resolve);
            socket.on('error', reject);
          });
          return { bytes, reads, whole, packets: socket.stats()?.received_packets ?? 0, digest: hash.digest('hex') };
        }
        throw new Error('no connection');
      })();
      const client = await SecureSocket.connect(`127.0.0.1:${server.address.port}`, { identity: randomBytes(32), expectedPeer: server.publicKey, config: { pmtu_probe_max_bytes: pmtu } });
      const chunks = Array.from({ length: 128 }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
      await pipeline(Readable.from(chunks), client);
      const result = await received;
      expect(result.bytes, `pmtu ${pmtu}`).toBe(data.byteLength);
      expect(result.digest, `pmtu ${pmtu}`).toBe(createHash('sha256').update(data).digest('hex'));
      if (pmtu === 0) {
        // ~1,171-byte packets: one pushed Buffer per pull, not one per packet (measured ~26 per read).
        expect(result.reads * 4, `${result.reads} reads for ${result.packets} packets`).toBeLessThan(result.packets);
      } else {
        // Large packets are pushed as they are, never joined into one copy: most of the 8 MiB
        // (129 packets' worth) arrives one packet per read (measured: all but the first few).
        expect(result.whole, `${result.reads} reads, ${result.whole} of one whole packet`).toBeGreaterThan(64);
      }
      await server.close();
    }
  });

  it('delivers datagrams beside the stream', async () => {
    const server = await SecureSocket.listen({ identity: randomBytes(32), bind: loopback });
    const got = new Promise<Buffer>((resolve) => {
      server.on('connection', (socket: SecureSocket) => {
        socket.on('error', () => {}); // the client aborts at the end: ECONNRESET-like
        socket.on('datagram', resolve);
      });
    });
    const client = await SecureSocket.connect(`127.0.0.1:${server.address.port}`, { identity: randomBytes(32) });
    expect(client.sendDatagram(Buffer.from('hello'))).toBe(true);
    expect((await got).toString()).toBe('hello');
    client.destroy();
    await server.close();
  });

  it('rejects a wrong pinned identity with a typed error', async () => {
    const server = await SecureSocket.listen({ identity: randomBytes(32), bind: loopback });
    const attempt = SecureSocket.connect(`127.0.0.1:${server.address.port}`, { identity: randomBytes(32), expectedPeer: randomBytes(32) });
    await expect(attempt).rejects.toBeInstanceOf(RudpError);
    await expect(attempt).rejects.toMatchObject({ code: 'identity-mismatch' });
    await server.close();
  });

  it('writes and reads with backpressure into a slow consumer', async () => {
    const server = await SecureSocket.listen({ identity: randomBytes(32), bind: loopback, config: { stream_window_bytes: 256 * 1024, send_buffer_bytes: 256 * 1024 } });
    const data = randomBytes(2 * 1024 * 1024);
    const done = new Promise<string>((resolve, reject) => {
      server.on('connection', (socket: SecureSocket) => {
        const hash = createHash('sha256');
        const slow = new Writable({
          highWaterMark: 16 * 1024,
          write(chunk: Buffer, _e, cb) {
            hash.update(chunk);
            setTimeout(cb, 0);
          },
        });
        pipeline(socket, slow).then(() => resolve(hash.digest('hex')), reject);
      });
    });
    const client = await SecureSocket.connect(`127.0.0.1:${server.address.port}`, { identity: randomBytes(32), config: { send_buffer_bytes: 256 * 1024 } });
    await pipeline(Readable.from([data]), client);
    expect(await done).toBe(createHash('sha256').update(data).digest('hex'));
    await server.close();
  });

  it('keeps serving other peers when the endpoint throws while handling one of them', async () => {
    const poisoned = randomBytes(32);
    const poisonedKey = Buffer.from(x25519.getPublicKey(poisoned)).toString('hex');
    // The callback runs inside the endpoint's handleDatagram: its throw stands for any bug a
    // stranger's datagram could trigger in the machine.
    const acceptPeer = (publicKey: Uint8Array): boolean => {
      if (Buffer.from(publicKey).toString('hex') === poisonedKey) throw new Error('bug triggered by a stranger');
      return true;
    };
    const server = await SecureSocket.listen({ identity: randomBytes(32), bind: loopback, acceptPeer });
    const errors: string[] = [];
    server.owner.driver.onDriverEvent((event) => {
      if (event.type === 'machine-error') errors.push(`${event.call} ${event.rule} ${event.message}`);
    });
    const target = `127.0.0.1:${server.address.port}`;
    const sawError = new Promise<void>((resolve) => server.owner.driver.onDriverEvent((event) => event.type === 'machine-error' && resolve()));
    // Whether the poisoned client believes it connected depends on where the handshake stood
    // when the listener's endpoint threw; either way the listener must survive it.
    const bad = SecureSocket.connect(target, { identity: poisoned, connect_timeout_ms: 2_000 }).then(
      (socket) => socket.on('error', () => {}).destroy(),
      () => undefined,
    );
    await sawError;
    await bad;
    expect(server.owner.driver.counters.machine_errors).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toContain('handleDatagram threw');
    expect(errors[0]).toContain('bug triggered by a stranger');

    const got = new Promise<string>((resolve) => {
      server.on('connection', (socket: SecureSocket) => {
        socket.on('error', () => {});
        socket.on('datagram', (d: Buffer) => resolve(d.toString()));
      });
    });
    const good = await SecureSocket.connect(target, { identity: randomBytes(32), expectedPeer: server.publicKey });
    expect(good.sendDatagram(Buffer.from('still serving'))).toBe(true);
    expect(await got).toBe('still serving');
    good.destroy();
    await server.close();
  });
});
