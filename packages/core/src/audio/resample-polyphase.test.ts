// The polyphase resampler (coefficients computed once per filter phase, four outputs interleaved)
// against resampy's formula evaluated output by output, written out here: every output must be
// bit-identical, for float32 and float64 input, at rates with a short phase period and without one,
// near both ends and far into a long clip, where float64 rounding of t * (1 / ratio) gives one
// phase several slightly different fractions.
import { mulberry32 } from '@mule-ts/test-utils';
import { describe, expect, it } from 'vitest';
import { KAISER_BEST } from '../frontend/frontend-params.js';
import { kaiserSincFilter } from './kaiser-sinc-filter.js';
import { resample, resampledLength } from './resample.js';

const filter = kaiserSincFilter(KAISER_BEST);

const scaledWindows = new Map<number, Float64Array>();
function scaledWindow(ratio: number): Float64Array {
  let w = scaledWindows.get(ratio);
  if (!w) scaledWindows.set(ratio, (w = Float64Array.from(filter.halfWindow, (v) => (ratio < 1 ? ratio * v : v))));
  return w;
}

/** resampy's loop body for output t (resampy 0.4: time = t * (1 / ratio)), float32 rounding per tap when `float32`. */
function resampyOutput(x: Float32Array | Float64Array, t: number, srOrig: number, srNew: number, float32: boolean): number {
  const ratio = srNew / srOrig;
  const scale = Math.min(1, ratio);
  const window = scaledWindow(ratio);
  const delta = (i: number): number => (i + 1 < window.length ? window[i + 1]! - window[i]! : 0);
  const indexStep = Math.trunc(scale * filter.precision);
  const round = float32 ? Math.fround : (v: number) => v;
  const time = t * (1 / ratio);
  const n = Math.trunc(time);
  let acc = 0;
  let frac = scale * (time - n);
  let indexFrac = frac * filter.precision;
  let offset = Math.trunc(indexFrac);
  let eta = indexFrac - offset;
  const iMax = Math.min(n + 1, Math.floor((window.length - offset) / indexStep));
  for (let i = 0; i < iMax; i++) {
    const j = offset + i * indexStep;
    acc = round(acc + (window[j]! + eta * delta(j)) * x[n - i]!);
  }
  frac = scale - frac;
  indexFrac = frac * filter.precision;
  offset = Math.trunc(indexFrac);
  eta = indexFrac - offset;
  const kMax = Math.min(x.length - n - 1, Math.floor((window.length - offset) / indexStep));
  for (let k = 0; k < kMax; k++) {
    const j = offset + k * indexStep;
    acc = round(acc + (window[j]! + eta * delta(j)) * x[n + k + 1]!);
  }
  return acc;
}

function noise(n: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: n }, () => Math.round((random() * 2 - 1) * 30_000) / 65536);
}

/** Outputs to check: the first and last 700, and every 97th between. */
function sampledOutputs(nOut: number): number[] {
  const picks = new Set<number>();
  for (let t = 0; t < Math.min(700, nOut); t++) picks.add(t);
  for (let t = Math.max(0, nOut - 700); t < nOut; t++) picks.add(t);
  for (let t = 0; t < nOut; t += 97) picks.add(t);
  return [...picks];
}

function expectIdentical(x: Float32Array | Float64Array, srOrig: number, srNew: number): void {
  const y = resample(x, srOrig, srNew, KAISER_BEST);
  expect(y.length).toBe(resampledLength(x.length, srOrig, srNew));
  const float32 = x instanceof Float32Array;
  let checked = 0;
  for (const t of sampledOutputs(y.length)) {
    const want = resampyOutput(x, t, srOrig, srNew, float32);
    if (!Object.is(y[t], want)) throw new Error(`${srOrig} -> ${srNew} Hz, ${float32 ? 'float32' : 'float64'}: output ${t} is ${y[t]}, resampy's formula gives ${want}`);
    checked++;
  }
  expect(checked).toBeGreaterThan(0);
}

describe('polyphase resample: bit-identical to resampy evaluated output by output', () => {
  it('44.1 -> 16 kHz over 3 minutes, float32 (upstream) and float64, ends included', () => {
    const x = noise(44_100 * 180, 1);
    expectIdentical(x, 44_100, 16_000);
    expectIdentical(Float64Array.from(x), 44_100, 16_000);
  });

  it('other rates: 48, 22.05 and 8 kHz (upsampling), 7999 Hz (no short phase period), clips shorter than the filter', () => {
    for (const rate of [48_000, 22_050, 8_000, 7_999]) {
      const x = noise(rate * 3, rate);
      expectIdentical(x, rate, 16_000);
      expectIdentical(Float64Array.from(x), rate, 16_000);
    }
    for (const n of [3, 50, 400, 1200]) expectIdentical(noise(n, n), 44_100, 16_000);
  });

  it('far into a long clip, where one phase has several fractions (t * (1 / ratio) in float64)', () => {
    // Outputs near t = 2^24 (17.5 minutes at 16 kHz) have different low bits of time - n than the
    // same phase near t = 0; the signal is only materialised around those outputs.
    const nOut = 2 ** 24 + 4_000;
    const x = new Float32Array(Math.ceil((nOut * 44_100) / 16_000) + 10);
    const start = Math.floor((2 ** 24 - 2_000) * 2.75625) - 400;
    x.set(noise(4_000 * 3 + 800, 9), start);
    const y = resample(x, 44_100, 16_000, KAISER_BEST);
    for (let t = 2 ** 24 - 1_800; t < 2 ** 24 + 1_800; t += 7) {
      const want = resampyOutput(x, t, 44_100, 16_000, true);
      if (!Object.is(y[t], want)) throw new Error(`output ${t} is ${y[t]}, resampy's formula gives ${want}`);
    }
  });
});
