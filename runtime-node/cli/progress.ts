// A progress indicator on stderr. On a terminal it redraws one bar in place; elsewhere (CI
// logs, pipes) it prints a plain line at every tenth of the way, so logs stay readable.

export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): boolean;
}

/** Width of the drawn bar in characters. */
const BAR_WIDTH = 30;
/** Plain-line mode prints at most this many lines per run. */
const PLAIN_STEPS = 10;

export class ProgressBar {
  private done = 0;
  private lastStep = 0;
  private lastDrawn = '';
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly stream: ProgressStream = process.stderr,
  ) {
    this.tty = stream.isTTY === true;
  }

  /** Marks one more item finished; `note` names it (shown on a terminal only). */
  tick(note = ''): void {
    this.done = Math.min(this.total, this.done + 1);
    if (this.tty) {
      const filled = Math.round((this.done / this.total) * BAR_WIDTH);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}`;
      const text = `\r${this.label} [${bar}] ${this.done}/${this.total} ${note}`.slice(0, 120);
      this.stream.write(text.padEnd(this.lastDrawn.length));
      this.lastDrawn = text;
      return;
    }
    const step = Math.floor((this.done / this.total) * PLAIN_STEPS);
    if (step > this.lastStep) {
      this.lastStep = step;
      this.stream.write(`${this.label}: ${this.done}/${this.total} (${Math.round((this.done / this.total) * 100)}%)\n`);
    }
  }

  /** Clears the bar line on a terminal so the table starts on a clean line. */
  finish(): void {
    if (this.tty && this.lastDrawn) this.stream.write(`\r${' '.repeat(this.lastDrawn.length)}\r`);
  }
}
