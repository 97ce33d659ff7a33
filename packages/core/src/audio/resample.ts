/**
 * resampy's band-limited sinc interpolation (`resampy.resample`, versions 0.4.0-0.4.3, the ones a
 * fresh install of upstream MULE's librosa 0.9.2 gets), the same arithmetic in the same order:
 *
 * - output length floor(n * srNew / srOrig) (computed as (n * srNew) / srOrig in float64);
 * - output sample t sits at input time t * (1 / (srNew / srOrig)): one multiplication from the
 *   index, not an accumulated sum (resampy 0.2.x accumulated; 0.3.0+ multiplies);
 * - when downsampling the table is multiplied by srNew / srOrig and read with a stride of
 *   trunc(scale * precision), scale = min(1, srNew / srOrig), so the cut-off follows the new Nyquist;
 * - the table is interpolated linearly: w = table[j] + eta * (table[j + 1] - table[j]);
 * - each output sums the left wing (x[n], x[n-1], ...) then the right wing (x[n+1], ...).
 *
 * Precision follows resampy's dtype rule: the output has the input's type. A Float32Array input is
 * accumulated as numba does for upstream's float32 waveform: every tap is added in float64 and the
 * running sum stored back to float32 (rounded after each of the ~280 taps). A Float64Array input is
 * accumulated in float64.
 */
import { MuleError } from '../errors/mule-error.js';
import { kaiserSincFilter, type KaiserSincFilter, type KaiserSincParams } from './kaiser-sinc-filter.js';

/** Samples resampy returns: floor(n * srNew / srOrig), evaluated as resampy does. */
export function resampledLength(inputLength: number, srOrig: number, srNew: number): number {
  return Math.trunc((inputLength * srNew) / srOrig);
}

// The table scaled for one rate ratio, interleaved with its forward differences so each tap reads
// one cache line: [w0, d0, w1, d1, ...], d_i = w_{i+1} - w_i and the last d is 0 (resampy's
// np.diff(..., append=last)). Keyed by filter and ratio; 44.1 -> 16 kHz is the common one.
const scaledTables = new WeakMap<KaiserSincFilter, Map<number, Float64Array>>();

function scaledTable(filter: KaiserSincFilter, sampleRatio: number): Float64Array {
  let byRatio = scaledTables.get(filter);
  if (!byRatio) {
    byRatio = new Map();
    scaledTables.set(filter, byRatio);
  }
  let pairs = byRatio.get(sampleRatio);
  if (!pairs) {
    const source = filter.halfWindow;
    const window = sampleRatio < 1 ? source.map((v) => sampleRatio * v) : source;
    pairs = new Float64Array(2 * window.length);
    for (let i = 0; i < window.length; i++) {
      pairs[2 * i] = window[i]!;
      pairs[2 * i + 1] = i + 1 < window.length ? window[i + 1]! - window[i]! : 0;
    }
    if (byRatio.size >= 4) byRatio.clear();
    byRatio.set(sampleRatio, pairs);
  }
  return pairs;
}

function checkRates(srOrig: number, srNew: number): void {
  for (const [name, value] of [['srOrig', srOrig], ['srNew', srNew]] as const) {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new MuleError('INVALID_INPUT', `resample: ${name} must be a positive sample rate in Hz (got ${value})`, {
        tensor: 'waveform',
        expected: 'a positive finite sample rate',
        found: value,
      });
    }
  }
}

/**
 * Resamples `x` from `srOrig` to `srNew` Hz with resampy's algorithm and the Kaiser-sinc filter of
 * these figures (upstream: `KAISER_BEST`).
 * Returns floor(n * srNew / srOrig) samples of the input's type (a copy when the rates are equal).
 * Throws INVALID_INPUT, as resampy does, when that length is 0 (e.g. 1 or 2 samples at 44.1 -> 16 kHz).
 */
export function resample<T extends Float32Array | Float64Array>(x: T, srOrig: number, srNew: number, filter: Readonly<KaiserSincParams>): T {
  return resampleWithFilter(x, srOrig, srNew, kaiserSincFilter(filter));
}

/** `resample` with another resampy-style filter table (e.g. one loaded from a resampy `.npz`). */
export function resampleWithFilter<T extends Float32Array | Float64Array>(x: T, srOrig: number, srNew: number, filter: KaiserSincFilter): T {
  checkRates(srOrig, srNew);
  if (srOrig === srNew) return x.slice() as T;
  const nOut = resampledLength(x.length, srOrig, srNew);
  if (nOut < 1) {
    throw new MuleError('INVALID_INPUT', `resample: ${x.length} input samples are too few to resample from ${srOrig} to ${srNew} Hz (resampy needs at least one output sample)`, {
      tensor: 'waveform',
      expected: `>= ${Math.ceil(srOrig / srNew)} samples`,
      found: x.length,
    });
  }
  const sampleRatio = srNew / srOrig;
  const table = scaledTable(filter, sampleRatio);
  const scale = Math.min(1, sampleRatio);
  const plan: InterpolationPlan = {
    scale,
    timeIncrement: 1 / sampleRatio,
    indexStep: Math.trunc(scale * filter.precision),
    tableLength: filter.halfWindow.length,
    precision: filter.precision,
  };
  const period = phasePeriod(srOrig, srNew);
  if (x instanceof Float32Array) {
    const y = new Float32Array(nOut);
    forEachOutputPhaseMajor(nOut, period, (t) => {
      y[t] = outputSampleFloat32(x, t, table, plan);
    });
    return y as T;
  }
  const y = new Float64Array(nOut);
  forEachOutputPhaseMajor(nOut, period, (t) => {
    y[t] = outputSampleFloat64(x, t, table, plan);
  });
  return y as T;
}

interface InterpolationPlan {
  scale: number;
  timeIncrement: number;
  indexStep: number;
  tableLength: number;
  precision: number;
}

/** Outputs after which the filter phase repeats: srNew / gcd(srOrig, srNew) for integer rates (1 otherwise). */
function phasePeriod(srOrig: number, srNew: number): number {
  if (!Number.isInteger(srOrig) || !Number.isInteger(srNew)) return 1;
  let a = srOrig;
  let b = srNew;
  while (b !== 0) [a, b] = [b, a % b];
  const period = srNew / a;
  return period <= 4096 ? period : 1;
}

// Every output is computed on its own, so the order is free. Visiting the outputs of one block
// phase by phase keeps the ~280 table entries of that phase in cache (the whole table is 6.5 MB):
// about 2x faster than index order. Each value is the same either way.
const BLOCK_PERIODS = 64;

function forEachOutputPhaseMajor(nOut: number, period: number, visit: (t: number) => void): void {
  const block = period * BLOCK_PERIODS;
  for (let start = 0; start < nOut; start += block) {
    const end = Math.min(nOut, start + block);
    for (let phase = 0; phase < period; phase++) {
      for (let t = start + phase; t < end; t += period) visit(t);
    }
  }
}

// The two functions below are the same computation; the float32 one rounds the running sum to
// float32 after every tap, as numba does when resampy writes into a float32 output. Two
// monomorphic functions: one generic loop over both array types runs ~2x slower.

function outputSampleFloat64(x: Float64Array, t: number, table: Float64Array, plan: InterpolationPlan): number {
  const { scale, timeIncrement, indexStep, tableLength, precision } = plan;
  const step2 = 2 * indexStep;
  const time = t * timeIncrement;
  const n = Math.trunc(time);
  let acc = 0;
  // Left wing: x[n], x[n - 1], ...
  let frac = scale * (time - n);
  let indexFrac = frac * precision;
  let offset = Math.trunc(indexFrac);
  let eta = indexFrac - offset;
  const iMax = Math.min(n + 1, Math.floor((tableLength - offset) / indexStep));
  for (let i = 0, j = 2 * offset; i < iMax; i++, j += step2) acc += (table[j]! + eta * table[j + 1]!) * x[n - i]!;
  // Right wing: x[n + 1], x[n + 2], ...
  frac = scale - frac;
  indexFrac = frac * precision;
  offset = Math.trunc(indexFrac);
  eta = indexFrac - offset;
  const kMax = Math.min(x.length - n - 1, Math.floor((tableLength - offset) / indexStep));
  for (let k = 0, j = 2 * offset; k < kMax; k++, j += step2) acc += (table[j]! + eta * table[j + 1]!) * x[n + k + 1]!;
  return acc;
}

function outputSampleFloat32(x: Float32Array, t: number, table: Float64Array, plan: InterpolationPlan): number {
  const { scale, timeIncrement, indexStep, tableLength, precision } = plan;
  const round = Math.fround;
  const step2 = 2 * indexStep;
  const time = t * timeIncrement;
  const n = Math.trunc(time);
  let acc = 0;
  let frac = scale * (time - n);
  let indexFrac = frac * precision;
  let offset = Math.trunc(indexFrac);
  let eta = indexFrac - offset;
  const iMax = Math.min(n + 1, Math.floor((tableLength - offset) / indexStep));
  for (let i = 0, j = 2 * offset; i < iMax; i++, j += step2) acc = round(acc + (table[j]! + eta * table[j + 1]!) * x[n - i]!);
  frac = scale - frac;
  indexFrac = frac * precision;
  offset = Math.trunc(indexFrac);
  eta = indexFrac - offset;
  const kMax = Math.min(x.length - n - 1, Math.floor((tableLength - offset) / indexStep));
  for (let k = 0, j = 2 * offset; k < kMax; k++, j += step2) acc = round(acc + (table[j]! + eta * table[j + 1]!) * x[n + k + 1]!);
  return acc;
}
