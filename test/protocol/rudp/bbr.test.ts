// BBR-style startup without self-inflicted overflow (issue 15): at 0% loss behind a one-BDP
// drop-tail queue, startup ends on the queue signal (RTT inflation) with almost nothing lost,
// and Careful Resume from a saved window either fills the pipe at once or, when the saved
// window is far too large, retreats instead of holding the overrun.
import { describe, expect, it } from 'vitest';
import { BbrController } from '../../../protocol/rudp/bbr.ts';
import { nodeCrypto } from '../../../runtime-node/node-crypto.ts';
import { Pipe, seededRng } from './pipe.ts';
import { transfer } from './transfer.ts';

const LINK_BPS = 20e6;
const ONE_WAY_MS = 20;
const BDP_BYTES = (LINK_BPS / 8) * ((2 * ONE_WAY_MS) / 1000); // 100,000 B
const link = { delay_ms: ONE_WAY_MS, bandwidth_bps: LINK_BPS, queue_bytes: BDP_BYTES };

function run(seed: number, resume?: { cwnd_bytes: number; rtt_ms: number }) {
  const pipe = new Pipe(seed, link, { congestion: 'bbr' }, nodeCrypto);
  if (resume) pipe.connect = () => {
    const id = pipe.endpoints[0].connect(pipe.now, pipe.addrs[1], { resume });
    pipe.drain();
    return id;
  };
  const data = seededRng(seed).nextBytes(512 << 10);
  const result = transfer(pipe, data, 120_000);
  const connected = pipe.events[0].find((e) => e.type === 'connected');
  const conn = connected && connected.type === 'connected' ? pipe.endpoints[0].connection(connected.conn) : undefined;
  return { result, data, conn: conn!, cc: conn!.cc as BbrController, sent: conn!.sent_packets };
}

describe('BBR-style startup', () => {
  it('ends startup on the queue signal and loses only a handful at 0% loss (seed 21)', () => {
    const { result, data, conn, cc, sent } = run(21);
    expect(result.done).toBe(true);
    expect(result.received).toEqual(data);
    expect(cc.startupExit, 'seed 21: startup ended by RTT inflation').toBe('queue');
    // Startup's old 2.885 BDP inflight cap overran pipe + queue (2 BDP) by ~0.9 BDP (~75 packets).
    expect(conn.loss.lost_packets, `seed 21: ${conn.loss.lost_packets} of ${sent} packets lost`).toBeLessThan(15);
  });

  it('Careful Resume from a matching saved window fills the pipe with nothing lost (seed 22)', () => {
    const cold = run(22);
    const resumed = run(22, { cwnd_bytes: 2 * BDP_BYTES, rtt_ms: 2 * ONE_WAY_MS });
    expect(resumed.result.received).toEqual(resumed.data);
    expect(resumed.conn.loss.lost_packets).toBe(0);
    expect(resumed.result.elapsed_ms, `seed 22: resumed ${resumed.result.elapsed_ms} ms, cold ${cold.result.elapsed_ms} ms`).toBeLessThan(cold.result.elapsed_ms - 2 * 2 * ONE_WAY_MS);
  });

  it('a saved window 4x too large retreats: losses stay near the jump overrun (seed 23)', () => {
    const resumed = run(23, { cwnd_bytes: 8 * BDP_BYTES, rtt_ms: 2 * ONE_WAY_MS });
    expect(resumed.result.received).toEqual(resumed.data);
    // The jump (4 BDP) overruns pipe + queue (2 BDP) by ~2 BDP, ~170 packets; holding the
    // seeded model would keep losing ~2 BDP every round for the whole transfer.
    const overrun_packets = (2 * BDP_BYTES) / 1200;
    expect(resumed.conn.loss.lost_packets, 'seed 23').toBeLessThan(2 * overrun_packets);
  });
});
