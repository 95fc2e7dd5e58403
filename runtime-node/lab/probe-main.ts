// A tiny probe program the lab runs inside host namespaces to check its plumbing with plain
// UDP, before (and independently of) the real protocols: `stun <server>` prints the mapped
// address; `punch <peer> --for ms` sends a hello to the peer every 50 ms while printing who
// answered. Output is one JSON object on stdout.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { stunBindingRequest, stunMappedAddress } from './stun-wire.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? args[at + 1]! : fallback;
};
const [mode, target] = args;
const [targetIp, targetPort] = splitHostPort(target ?? '');
const bindPort = Number(option('port', '0'));
const duration_ms = Number(option('for', '3000'));
/** Hellos sent per probe run, whatever --for says. */
const hellos_max = 200;

function splitHostPort(text: string): [string, number] {
  const colon = text.lastIndexOf(':');
  return [text.slice(0, colon), Number(text.slice(colon + 1))];
}

const socket = createSocket('udp4');
socket.bind(bindPort, () => {
  const local = socket.address();
  const result: { mode: string; local_port: number; mapped?: string; received: string[]; rtt_ms?: number } = {
    mode: mode ?? '',
    local_port: local.port,
    received: [],
  };
  const started = Date.now();
  const finish = (): void => {
    process.stdout.write(JSON.stringify(result) + '\n');
    socket.close();
  };
  if (mode === 'stun') {
    const { data, transaction } = stunBindingRequest(new Uint8Array(randomBytes(12)));
    socket.on('message', (msg) => {
      const mapped = stunMappedAddress(new Uint8Array(msg), transaction);
      if (mapped && !result.mapped) {
        result.mapped = mapped;
        result.rtt_ms = Date.now() - started;
        clearInterval(timer);
        finish();
      }
    });
    const timer = setInterval(() => socket.send(data, targetPort, targetIp), 200);
    socket.send(data, targetPort, targetIp);
    const deadline = setTimeout(() => {
      clearInterval(timer);
      finish();
    }, duration_ms);
    socket.on('close', () => clearTimeout(deadline));
  } else if (mode === 'punch') {
    const seen = new Set<string>();
    socket.on('message', (_msg, rinfo) => {
      const from = `${rinfo.address}:${rinfo.port}`;
      if (!seen.has(from)) {
        seen.add(from);
        result.received.push(from);
        result.rtt_ms ??= Date.now() - started;
      }
    });
    let sent = 0;
    const timer = setInterval(() => {
      if (sent++ < hellos_max) socket.send(Buffer.from('peerlab-probe'), targetPort, targetIp);
    }, 50);
    setTimeout(() => {
      clearInterval(timer);
      finish();
    }, duration_ms);
  } else {
    process.stderr.write('usage: probe-main (stun <ip:port> | punch <ip:port>) [--port n] [--for ms]\n');
    socket.close();
    process.exitCode = 2;
  }
});
