/**
 * Progress on stderr while a run goes: one line per step with the elapsed time. On a terminal the
 * current step is rewritten in place and finished steps scroll; elsewhere (CI logs, pipes) each
 * step is one plain line.
 */
export class Progress {
  private readonly started = performance.now();
  private readonly tty: boolean;
  private live = false;

  constructor(
    private readonly enabled: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = stream.isTTY === true;
  }

  elapsedSec(): number {
    return (performance.now() - this.started) / 1000;
  }

  private stamp(): string {
    return `[${this.elapsedSec().toFixed(1).padStart(6)}s]`;
  }

  /** The step now running (rewritten in place on a terminal). */
  step(text: string): void {
    if (!this.enabled) return;
    if (this.tty) {
      const cols = this.stream.columns ?? 100;
      this.stream.write(`\r\x1b[K${`${this.stamp()} ${text}`.slice(0, cols - 1)}`);
      this.live = true;
    } else {
      this.stream.write(`${this.stamp()} ${text}\n`);
    }
  }

  /** A line that stays (a result or a warning). */
  note(text: string): void {
    if (!this.enabled) return;
    if (this.tty && this.live) this.stream.write('\r\x1b[K');
    this.live = false;
    this.stream.write(`${this.stamp()} ${text}\n`);
  }

  done(): void {
    if (!this.enabled) return;
    if (this.tty && this.live) this.stream.write('\r\x1b[K');
    this.live = false;
  }
}
