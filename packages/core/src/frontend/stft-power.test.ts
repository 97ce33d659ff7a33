import { describe, expect, it } from 'vitest';
import { whiteNoise } from './__fixtures__/test-signals.js';
import { MULE_MEL_FRONT_END } from './frontend-params.js';
import { StftPowerFrames } from './stft-power.js';

/** Frame t of librosa's centred STFT by the definition: a direct DFT, reflect-padded by hand. */
function directPowerFrame(signal: Float32Array, t: number, bins: number[]): number[] {
  const nFft = 2048;
  const n = signal.length;
  const reflected = (i: number): number => {
    let j = i;
    while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
    return signal[j]!;
  };
  return bins.map((k) => {
    let re = 0;
    let im = 0;
    for (let j = 0; j < 400; j++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * j) / 400);
      const x = w * reflected(t * 160 - 1024 + 824 + j);
      const phase = (-2 * Math.PI * k * (824 + j)) / nFft;
      re += x * Math.cos(phase);
      im += x * Math.sin(phase);
    }
    return re * re + im * im;
  });
}

describe('StftPowerFrames', () => {
  const signal = whiteNoise(5000, 13);
  const bins = [0, 1, 2, 100, 511, 512, 1000, 1023, 1024];

  it('equals a direct DFT of the reflect-padded, Hann-windowed frame (edge and interior frames)', () => {
    const stft = new StftPowerFrames(MULE_MEL_FRONT_END);
    expect(stft.frameCount(signal.length)).toBe(32);
    const out = new Float64Array(stft.nBins);
    for (const t of [0, 1, 7, 15, 31]) {
      stft.computeFrame(signal, t, out);
      const expected = directPowerFrame(signal, t, bins);
      bins.forEach((k, i) => expect(Math.abs(out[k]! - expected[i]!), `frame ${t} bin ${k}`).toBeLessThan(1e-9 * (1 + expected[i]!)));
    }
  });

  it('honours power: power 1 is the magnitude', () => {
    const squared = new StftPowerFrames(MULE_MEL_FRONT_END);
    const magnitude = new StftPowerFrames({ ...MULE_MEL_FRONT_END, power: 1 });
    const a = new Float64Array(1025);
    const b = new Float64Array(1025);
    squared.computeFrame(signal, 3, a);
    magnitude.computeFrame(signal, 3, b);
    for (const k of bins) expect(b[k]! ** 2).toBeCloseTo(a[k]!, 9);
  });

  it('refuses an FFT size that is not a power of two', () => {
    expect(() => new StftPowerFrames({ ...MULE_MEL_FRONT_END, nFft: 2000 })).toThrow(/power of two/);
  });
});
