/**
 * Progress on stderr: files/s and audio-hours/s. On a terminal one line redrawn in place (at most
 * 10 times a second); otherwise a line at every 10% and at least every 30 s.
 */
import type { OutputStream } from './io.js';

export type ProgressMode = 'tty' | 'lines' | 'none';
type ProgressStream = OutputStream;

export class ProgressBar {
  private done = 0;
  private failed = 0;
  private audioSeconds = 0;
  private readonly started: number;
  private lastDraw = 0;
  private lastMilestone = 0;
  private printedDone = -1;

  constructor(
    readonly total: number,
    readonly mode: ProgressMode,
    private readonly stream: ProgressStream = process.stderr,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
    this.lastDraw = now();
  }

  static modeFor(requested: 'auto' | ProgressMode, stream: ProgressStream = process.stderr): ProgressMode {
    return requested === 'auto' ? (stream.isTTY ? 'tty' : 'lines') : requested;
  }

  tick(ok: boolean, seconds: number): void {
    this.done++;
    if (!ok) this.failed++;
    this.audioSeconds += seconds;
    this.draw(false);
  }

  /** A message that must not be overdrawn by the bar; `always` prints it even when the mode is 'none'. */
  note(message: string, always = false): void {
    if (this.mode === 'none') {
      if (always) this.stream.write(`${message}\n`);
      return;
    }
    if (this.mode === 'tty') {
      this.stream.write(`\r\x1b[2K${message}\n`);
      this.draw(true);
    } else {
      this.stream.write(`${message}\n`);
    }
  }

  finish(): void {
    if (this.mode === 'tty') {
      this.draw(true);
      this.stream.write('\n');
    } else if (this.mode === 'lines' && this.printedDone !== this.done) {
      this.print();
    }
  }

  line(): string {
    const elapsed = Math.max((this.now() - this.started) / 1000, 1e-3);
    const filesPerSecond = this.done / elapsed;
    const audioHoursPerSecond = this.audioSeconds / 3600 / elapsed;
    const percent = this.total === 0 ? 100 : (100 * this.done) / this.total;
    const eta = filesPerSecond > 0 ? (this.total - this.done) / filesPerSecond : NaN;
    const width = 24;
    const filled = Math.round((width * percent) / 100);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    return (
      `[${bar}] ${this.done}/${this.total} files ${percent.toFixed(0)}%  ${filesPerSecond.toFixed(2)} files/s  ` +
      `${audioHoursPerSecond.toFixed(4)} audio-h/s (${(audioHoursPerSecond * 3600).toFixed(0)} audio-h/h)` +
      `${this.failed ? `  ${this.failed} failed` : ''}${Number.isFinite(eta) && this.done < this.total ? `  eta ${eta.toFixed(0)} s` : ''}`
    );
  }

  private draw(force: boolean): void {
    const now = this.now();
    if (this.mode === 'tty') {
      if (!force && now - this.lastDraw < 100 && this.done < this.total) return;
      this.lastDraw = now;
      this.stream.write(`\r\x1b[2K${this.line()}`);
    } else if (this.mode === 'lines') {
      const milestone = Math.floor((10 * this.done) / Math.max(this.total, 1));
      if (milestone > this.lastMilestone || now - this.lastDraw >= 30_000) {
        this.lastMilestone = milestone;
        this.print();
      }
    }
  }

  private print(): void {
    this.lastDraw = this.now();
    this.printedDone = this.done;
    this.stream.write(`${this.line()}\n`);
  }
}
