import { describe, expect, it } from 'vitest';
import { generateTestSignal, upstreamMono } from './test-signal.js';

describe('generateTestSignal', () => {
  it('is 7 s of stereo 16-bit PCM at 44.1 kHz by default, seeded', () => {
    const a = generateTestSignal();
    expect(a.sampleRate).toBe(44_100);
    expect(a.channels).toHaveLength(2);
    expect(a.channels[0]!.length).toBe(308_700);
    expect(generateTestSignal().channels[1]).toEqual(a.channels[1]);
    expect(generateTestSignal({ seed: 2 }).channels[0]).not.toEqual(a.channels[0]);
    expect(a.channels[0]).not.toEqual(a.channels[1]); // panned, not dual mono
    const peak = Math.max(...a.channels.map((c) => c.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
    expect(peak).toBe(Math.round(0.7 * 32767));
  });

  it('has beats: the kick makes the energy peak every 0.5 s', () => {
    for (const rate of [44_100, 16_000]) {
      const mono = upstreamMono(generateTestSignal({ sampleRate: rate }));
      const at = (seconds: number): number => Math.round(seconds * rate);
      const energy = (from: number): number => mono.subarray(from, from + at(0.05)).reduce((s, v) => s + v * v, 0);
      // 50 ms just after a beat vs 50 ms just before the next one
      for (const beat of [1, 3, 5, 9]) expect(energy(at(beat * 0.5))).toBeGreaterThan(3 * energy(at(beat * 0.5 - 0.1)));
    }
  });

  it("applies upstream's amplitude convention: int16 / 2^16 per channel, channels summed", () => {
    const mono = upstreamMono({ sampleRate: 16_000, channels: [Int16Array.from([32767, -32768, 100]), Int16Array.from([32767, -32768, -300])] });
    expect(Array.from(mono)).toEqual([65534 / 65536, -1, -200 / 65536]);
  });
});
