// Checks the driver's SO_BROADCAST support inside a lab namespace (never in the machine's
// own): `send <bcast-ip:port>` sends a few datagrams to a LAN broadcast address through the
// real Driver; `listen --port P --for ms [--until N]` prints "bound" on stderr once its socket
// is bound (so a test starts the sender on that line, not after a guessed delay), stops after
// N datagrams or `--for` ms, and prints who it heard from. One JSON line on stdout.
import { addr, formatAddr, parseAddr, type Addr } from '../../protocol/core/addr.ts';
import type { Machine, Transmit } from '../../protocol/core/machine.ts';
import { Driver } from '../driver.ts';

const datagrams_to_send = 5;

/** Sends what it is told and reports who it hears from. */
class Beacon implements Machine<Transmit, { type: 'heard'; from: string }> {
  private readonly out: Transmit[] = [];
  private readonly events: Array<{ type: 'heard'; from: string }> = [];
  handleDatagram(_now: number, remote: Addr): void {
    this.events.push({ type: 'heard', from: formatAddr(remote) });
  }
  handleTimeout(): void {}
  handleCommand(_now: number, command: Transmit): void {
    this.out.push(command);
  }
  pollTransmit(): Transmit | undefined {
    return this.out.shift();
  }
  pollEvent(): { type: 'heard'; from: string } | undefined {
    return this.events.shift();
  }
  pollTimeout(): undefined {
    return undefined;
  }
}

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? args[at + 1]! : fallback;
};
const port = Number(option('port', '0'));
const driver = await Driver.start(new Beacon(), { bind: [addr('0.0.0.0', port)], broadcast: true });
const heard = new Set<string>();
const errors: string[] = [];
const until = Number(option('until', '0'));
let received = 0;
let stopListening: (() => void) | undefined;
driver.onEvent((e) => {
  heard.add(e.from);
  if (until > 0 && ++received >= until) stopListening?.();
});
driver.onDriverEvent((e) => {
  if (e.type === 'socket-error') errors.push(`${e.kind}: ${e.message}`);
});
if (args[0] === 'send') {
  const to = parseAddr(args[1]!);
  for (let i = 0; i < datagrams_to_send; i++) {
    driver.command({ remote: to, data: new Uint8Array([0xe0, i]) });
    await new Promise((r) => setTimeout(r, 50));
  }
} else {
  process.stderr.write(`bound ${driver.localAddresses.map(formatAddr).join(', ')}\n`);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Number(option('for', '2000')));
    stopListening = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}
await driver.close();
process.stdout.write(`${JSON.stringify({ heard: [...heard], errors })}\n`);
