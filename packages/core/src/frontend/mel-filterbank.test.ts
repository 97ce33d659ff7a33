import { describe, expect, it } from 'vitest';
import { isMuleError } from '../errors/mule-error.js';
import { MULE_MEL_FRONT_END } from './frontend-params.js';
import { fftFrequencies, hzToMelHtk, melFilterbank, melFrequencies, melToHzHtk } from './mel-filterbank.js';

describe('mel filterbank building blocks', () => {
  it('uses the HTK mel scale: 2595 log10(1 + f / 700)', () => {
    expect(hzToMelHtk(700)).toBeCloseTo(2595 * Math.log10(2), 10);
    expect(hzToMelHtk(8000)).toBeCloseTo(2840.0230, 3);
    expect(melToHzHtk(hzToMelHtk(1234.5))).toBeCloseTo(1234.5, 9);
  });

  it('puts 1025 bins 7.8125 Hz apart and 98 mel points from 0 to 8000 Hz', () => {
    const bins = fftFrequencies(16_000, 2048);
    expect(bins.length).toBe(1025);
    expect(bins[1]).toBeCloseTo(7.8125, 12);
    expect(bins[1024]).toBeCloseTo(8000, 9);
    const points = melFrequencies(98, 0, 8000);
    expect(points[0]).toBe(0);
    expect(points[97]).toBeCloseTo(8000, 9);
  });
});

describe('melFilterbank', () => {
  it('leaves filters that catch no FFT bin at zero (norm below float32 tiny -> unscaled)', () => {
    // 64-point FFT: 250 Hz bins, far wider than the lowest of 40 mel bands.
    const fb = melFilterbank({ ...MULE_MEL_FRONT_END, nFft: 64, nMels: 40 });
    const rowNorms = Array.from({ length: 40 }, (_, m) => Math.hypot(...fb.weights.subarray(m * fb.nBins, (m + 1) * fb.nBins)));
    expect(rowNorms.some((n) => n === 0)).toBe(true);
    for (const n of rowNorms) expect(n === 0 || Math.abs(n - 1) < 1e-6).toBe(true);
    expect(fb.weights.every(Number.isFinite)).toBe(true);
  });

  it('supports other numeric norms: norm 1 gives rows summing to 1', () => {
    const fb = melFilterbank({ ...MULE_MEL_FRONT_END, norm: 1 });
    for (let m = 0; m < fb.nMels; m++) {
      const sum = fb.weights.subarray(m * fb.nBins, (m + 1) * fb.nBins).reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - 1)).toBeLessThan(1e-6);
    }
  });

  it('refuses the Slaney scale and a non-numeric norm', () => {
    for (const params of [{ ...MULE_MEL_FRONT_END, htk: false }, { ...MULE_MEL_FRONT_END, norm: Number.NaN }]) {
      let caught: unknown;
      try {
        melFilterbank(params);
      } catch (e) {
        caught = e;
      }
      expect(isMuleError(caught) && caught.code).toBe('UNSUPPORTED');
    }
  });
});
