import type { OutputStream } from './io.js';

/** A one-line progress display of bytes: redrawn in place on a TTY, milestone lines otherwise (CI logs). */
export class ByteProgress {
  private lastMilestone = -1;
  private lastDraw = 0;

  constructor(
    private readonly stream: OutputStream & { columns?: number },
    private readonly label: string,
  ) {}

  update(done: number, total: number, detail = ''): void {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const percent = Math.floor(fraction * 100);
    if (this.stream.isTTY) {
      const now = Date.now();
      if (now - this.lastDraw < 80 && done < total) return;
      this.lastDraw = now;
      const width = 28;
      const filled = Math.round(fraction * width);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
      const line = `${this.label} [${bar}] ${String(percent).padStart(3)}% ${formatBytes(done)}/${formatBytes(total)} ${detail}`;
      this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 120) - 1).padEnd(Math.min(this.stream.columns ?? 120, 120) - 1)}`);
    } else {
      const milestone = Math.floor(percent / 25);
      if (milestone > this.lastMilestone) {
        this.lastMilestone = milestone;
        this.stream.write(`${this.label}: ${percent}% (${formatBytes(done)} of ${formatBytes(total)})\n`);
      }
    }
  }

  done(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}
