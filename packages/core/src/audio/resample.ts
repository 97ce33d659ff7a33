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
 *
 * Float32 signals run on a WebAssembly SIMD kernel where there is one (resample-wasm.ts: the same
 * sums, eight outputs at a time, ~2x faster), else on the JavaScript loop below; the two are
 * bit-identical (tested).
 */
import { MuleError } from '../errors/mule-error.js';
import { kaiserSincFilter, type KaiserSincFilter, type KaiserSincParams } from './kaiser-sinc-filter.js';
import { KERNEL_OUTPUTS, KernelChunk, resampleKernel } from './resample-wasm.js';

let useKernel = true;

/** Tests: run the JavaScript loop even where the WebAssembly kernel is available (the two are bit-identical). */
export function useResampleKernel(use: boolean): void {
  useKernel = use;
}

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
  const nOut = checkedOutputLength(x.length, srOrig, srNew);
  const y = (x instanceof Float32Array ? new Float32Array(nOut) : new Float64Array(nOut)) as T;
  resampleOutputs(x, y, srOrig, srNew, filter, 0, nOut);
  return y;
}

/**
 * Outputs [from, to) of `resample(x, srOrig, srNew, filter)` written into `y` at the same indices
 * (to is capped at resampy's output length): each one bit-identical to the whole-signal result, so
 * a long signal can be resampled in parts while later stages start on the first ones.
 */
export function resampleRangeInto(x: Float32Array, y: Float32Array, srOrig: number, srNew: number, filter: Readonly<KaiserSincParams>, from: number, to: number): void {
  checkRates(srOrig, srNew);
  if (srOrig === srNew) {
    y.set(x.subarray(from, Math.min(to, x.length)), from);
    return;
  }
  const nOut = checkedOutputLength(x.length, srOrig, srNew);
  resampleOutputs(x, y, srOrig, srNew, kaiserSincFilter(filter), from, Math.min(to, nOut));
}

function checkedOutputLength(inputLength: number, srOrig: number, srNew: number): number {
  const nOut = resampledLength(inputLength, srOrig, srNew);
  if (nOut < 1) {
    throw new MuleError('INVALID_INPUT', `resample: ${inputLength} input samples are too few to resample from ${srOrig} to ${srNew} Hz (resampy needs at least one output sample)`, {
      tensor: 'waveform',
      expected: `>= ${Math.ceil(srOrig / srNew)} samples`,
      found: inputLength,
    });
  }
  return nOut;
}

function resampleOutputs(x: Float32Array | Float64Array, y: Float32Array | Float64Array, srOrig: number, srNew: number, filter: KaiserSincFilter, from: number, to: number): void {
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
  const coefficients = new PhaseCoefficientCache(table, plan);
  const kernel = useKernel ? resampleKernel() : null;
  if (x instanceof Float32Array && y instanceof Float32Array && kernel) {
    const maxTaps = Math.ceil(plan.tableLength / Math.max(1, plan.indexStep)) + 1;
    const chunk = period * BLOCK_PERIODS * KERNEL_CHUNK_BLOCKS;
    for (let start = from; start < to; start += chunk) {
      const end = Math.min(to, start + chunk);
      // the part of x these outputs read
      const xFrom = Math.max(0, Math.trunc(start * plan.timeIncrement) - maxTaps);
      const xTo = Math.min(x.length, Math.trunc((end - 1) * plan.timeIncrement) + maxTaps + 1);
      const window = new KernelChunk(kernel, x, xFrom, xTo, start, end, BLOCK_PERIODS, maxTaps);
      forEachPhaseRun(start, end, period, plan.timeIncrement, coefficients, (run) => resampleRunKernel(x, window, run));
      y.set(window.y, start);
    }
  } else if (x instanceof Float32Array && y instanceof Float32Array) {
    forEachPhaseRun(from, to, period, plan.timeIncrement, coefficients, (run) => resampleRunFloat32(x, y, run));
  } else if (x instanceof Float64Array && y instanceof Float64Array) {
    forEachPhaseRun(from, to, period, plan.timeIncrement, coefficients, (run) => resampleRunFloat64(x, y, run));
  } else {
    throw new TypeError('resample: input and output must have the same element type');
  }
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

/**
 * The filter taps of one output position, as resampy computes them inside its loop: for the left
 * wing (x[n], x[n - 1], ...) and the right wing (x[n + 1], ...), table[j] + eta * diff[j] at every
 * indexStep-th entry from the phase's offset. They depend only on the output's fractional input time
 * (time - n), so outputs with the same fraction share them: a polyphase filter. With integer rates
 * the fraction repeats every `period` outputs up to float64 rounding of t * timeIncrement, which
 * leaves a few distinct fractions per phase (at most 16 over 30 minutes at 44.1 -> 16 kHz); keying
 * by the exact fraction keeps every coefficient, and so every output, bit-identical to evaluating
 * resampy's formula per output.
 */
interface PhaseCoefficients {
  left: Float64Array;
  right: Float64Array;
}

const MAX_CACHED_FRACTIONS = 8192;

class PhaseCoefficientCache {
  private readonly byFraction = new Map<number, PhaseCoefficients>();

  constructor(
    private readonly table: Float64Array,
    private readonly plan: InterpolationPlan,
  ) {}

  get(fraction: number): PhaseCoefficients {
    let c = this.byFraction.get(fraction);
    if (!c) {
      const frac = this.plan.scale * fraction;
      c = { left: this.wing(frac), right: this.wing(this.plan.scale - frac) };
      // Rates without a short period give every output its own fraction: keep the cache bounded.
      if (this.byFraction.size >= MAX_CACHED_FRACTIONS) this.byFraction.clear();
      this.byFraction.set(fraction, c);
    }
    return c;
  }

  private wing(frac: number): Float64Array {
    const { indexStep, tableLength, precision } = this.plan;
    const indexFrac = frac * precision;
    const offset = Math.trunc(indexFrac);
    const eta = indexFrac - offset;
    const taps = new Float64Array(Math.max(0, Math.floor((tableLength - offset) / indexStep)));
    for (let i = 0, j = 2 * offset; i < taps.length; i++, j += 2 * indexStep) taps[i] = this.table[j]! + eta * this.table[j + 1]!;
    return taps;
  }
}

/** Outputs sharing one set of coefficients: `count` output indices and their input positions n. */
interface PhaseRun {
  outputs: Int32Array;
  inputs: Int32Array;
  count: number;
  coefficients: PhaseCoefficients;
}

// Outputs are visited phase by phase within blocks of periods, so a run of outputs shares one
// phase's coefficients (~2 KB, in cache) and the arithmetic of up to four outputs interleaves
// (each output's sum is a serial chain of roundings: interleaving hides that latency). Each
// output's own sum is unchanged: the same taps, in the same order, rounded the same way.
const BLOCK_PERIODS = 64;
/** Blocks of periods per chunk the WebAssembly kernel takes (10 s of output at 44.1 -> 16 kHz). */
const KERNEL_CHUNK_BLOCKS = 16;

function forEachPhaseRun(from: number, to: number, period: number, timeIncrement: number, coefficients: PhaseCoefficientCache, visit: (run: PhaseRun) => void): void {
  const block = period * BLOCK_PERIODS;
  const run: PhaseRun = { outputs: new Int32Array(BLOCK_PERIODS), inputs: new Int32Array(BLOCK_PERIODS), count: 0, coefficients: coefficients.get(0) };
  let fraction = Number.NaN;
  const flush = (): void => {
    if (run.count > 0) visit(run);
    run.count = 0;
  };
  for (let start = from; start < to; start += block) {
    const end = Math.min(to, start + block);
    for (let phase = 0; phase < period; phase++) {
      for (let t = start + phase; t < end; t += period) {
        const time = t * timeIncrement;
        const n = Math.trunc(time);
        const f = time - n;
        if (f !== fraction || run.count === BLOCK_PERIODS) {
          flush();
          if (f !== fraction) {
            fraction = f;
            run.coefficients = coefficients.get(f);
          }
        }
        run.outputs[run.count] = t;
        run.inputs[run.count] = n;
        run.count++;
      }
    }
  }
  flush();
}

// The two functions below are the same computation; the float32 one rounds the running sum to
// float32 after every tap, as numba does when resampy writes into a float32 output. Two
// monomorphic functions: one generic loop over both array types runs ~2x slower. Outputs whose
// taps reach past either end of x take the single-output path, which stops the wings there.

function resampleRunFloat32(x: Float32Array, y: Float32Array, run: PhaseRun): void {
  const round = Math.fround;
  const { left, right } = run.coefficients;
  const { outputs, inputs, count } = run;
  let r = 0;
  for (; r + 4 <= count; r += 4) {
    const n0 = inputs[r]!;
    const n1 = inputs[r + 1]!;
    const n2 = inputs[r + 2]!;
    const n3 = inputs[r + 3]!;
    if (Math.min(n0, n1, n2, n3) + 1 < left.length || x.length - Math.max(n0, n1, n2, n3) - 1 < right.length) break;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let i = 0; i < left.length; i++) {
      const c = left[i]!;
      a0 = round(a0 + c * x[n0 - i]!);
      a1 = round(a1 + c * x[n1 - i]!);
      a2 = round(a2 + c * x[n2 - i]!);
      a3 = round(a3 + c * x[n3 - i]!);
    }
    for (let k = 0; k < right.length; k++) {
      const c = right[k]!;
      a0 = round(a0 + c * x[n0 + k + 1]!);
      a1 = round(a1 + c * x[n1 + k + 1]!);
      a2 = round(a2 + c * x[n2 + k + 1]!);
      a3 = round(a3 + c * x[n3 + k + 1]!);
    }
    y[outputs[r]!] = a0;
    y[outputs[r + 1]!] = a1;
    y[outputs[r + 2]!] = a2;
    y[outputs[r + 3]!] = a3;
  }
  for (; r < count; r++) y[outputs[r]!] = oneOutputFloat32(x, inputs[r]!, left, right);
}

/** One float32 output at input position n, its wings stopped at either end of x. */
function oneOutputFloat32(x: Float32Array, n: number, left: Float64Array, right: Float64Array): number {
  const round = Math.fround;
  const iMax = Math.min(n + 1, left.length);
  const kMax = Math.min(x.length - n - 1, right.length);
  let acc = 0;
  for (let i = 0; i < iMax; i++) acc = round(acc + left[i]! * x[n - i]!);
  for (let k = 0; k < kMax; k++) acc = round(acc + right[k]! * x[n + k + 1]!);
  return acc;
}

/**
 * A run on the WebAssembly kernel: its outputs whose taps all lie inside x (contiguous: n rises
 * along a run) eight at a time, the others (near either end, and the last few) in JavaScript.
 */
function resampleRunKernel(x: Float32Array, chunk: KernelChunk, run: PhaseRun): void {
  const { left, right } = run.coefficients;
  const { outputs, inputs, count } = run;
  let first = 0;
  while (first < count && inputs[first]! + 1 < left.length) first++;
  let end = first;
  while (end < count && x.length - inputs[end]! - 1 >= right.length) end++;
  const kernelCount = end - first - ((end - first) % KERNEL_OUTPUTS);
  if (kernelCount > 0) chunk.run(run, first, kernelCount);
  for (let r = 0; r < count; r++) {
    if (r < first || r >= first + kernelCount) chunk.set(outputs[r]!, oneOutputFloat32(x, inputs[r]!, left, right));
  }
}

function resampleRunFloat64(x: Float64Array, y: Float64Array, run: PhaseRun): void {
  const { left, right } = run.coefficients;
  const { outputs, inputs, count } = run;
  let r = 0;
  for (; r + 4 <= count; r += 4) {
    const n0 = inputs[r]!;
    const n1 = inputs[r + 1]!;
    const n2 = inputs[r + 2]!;
    const n3 = inputs[r + 3]!;
    if (Math.min(n0, n1, n2, n3) + 1 < left.length || x.length - Math.max(n0, n1, n2, n3) - 1 < right.length) break;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let i = 0; i < left.length; i++) {
      const c = left[i]!;
      a0 += c * x[n0 - i]!;
      a1 += c * x[n1 - i]!;
      a2 += c * x[n2 - i]!;
      a3 += c * x[n3 - i]!;
    }
    for (let k = 0; k < right.length; k++) {
      const c = right[k]!;
      a0 += c * x[n0 + k + 1]!;
      a1 += c * x[n1 + k + 1]!;
      a2 += c * x[n2 + k + 1]!;
      a3 += c * x[n3 + k + 1]!;
    }
    y[outputs[r]!] = a0;
    y[outputs[r + 1]!] = a1;
    y[outputs[r + 2]!] = a2;
    y[outputs[r + 3]!] = a3;
  }
  for (; r < count; r++) {
    const n = inputs[r]!;
    const iMax = Math.min(n + 1, left.length);
    const kMax = Math.min(x.length - n - 1, right.length);
    let acc = 0;
    for (let i = 0; i < iMax; i++) acc += left[i]! * x[n - i]!;
    for (let k = 0; k < kMax; k++) acc += right[k]! * x[n + k + 1]!;
    y[outputs[r]!] = acc;
  }
}
