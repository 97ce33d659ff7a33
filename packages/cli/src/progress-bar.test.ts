import { describe, expect, it } from 'vitest';
import { ProgressBar } from './progress-bar.js';

describe('ProgressBar', () => {
  it('reports files/s and audio-hours/s; milestone lines when not a terminal', () => {
    let t = 0;
    const out: string[] = [];
    const bar = new ProgressBar(20, 'lines', { write: (s: string) => out.push(s) }, () => t);
    for (let i = 0; i < 20; i++) {
      t += 500;
      bar.tick(i !== 3, i === 3 ? 0 : 180);
    }
    bar.finish();
    expect(out.length).toBe(10); // one line per 10%
    // 20 files in 10 s = 2 files/s; 19 x 180 s = 0.95 h of audio in 10 s = 0.095 audio-h/s
    expect(out.at(-1)).toMatch(/20\/20 files 100%\s+2\.00 files\/s\s+0\.0950 audio-h\/s \(342 audio-h\/h\)\s+1 failed/);
  });

  it('redraws one line in place on a terminal', () => {
    let t = 0;
    const out: string[] = [];
    const bar = new ProgressBar(3, 'tty', { write: (s: string) => out.push(s), isTTY: true }, () => t);
    for (let i = 0; i < 3; i++) {
      t += 1000;
      bar.tick(true, 60);
    }
    bar.finish();
    expect(out.every((s) => s.startsWith('\r\x1b[2K') || s === '\n')).toBe(true);
    expect(ProgressBar.modeFor('auto', { write: () => true, isTTY: true })).toBe('tty');
    expect(ProgressBar.modeFor('auto', { write: () => true })).toBe('lines');
  });
});
