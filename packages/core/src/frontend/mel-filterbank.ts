import { MuleError } from '../errors/mule-error.js';
import type { MelFrontEndParams } from './frontend-params.js';

/**
 * A mel filterbank as librosa 0.9.2's `filters.mel(..., dtype=float32)` returns it, plus the
 * non-zero band of each filter so that applying it costs one pass over each triangle.
 */
export interface MelFilterbank {
  nMels: number;
  /** FFT bins: 1 + nFft / 2. */
  nBins: number;
  /** (nMels, nBins) row-major, float32 values as librosa stores them. */
  weights: Float32Array;
  /** Filter m is non-zero only on bins [bandStart[m], bandEnd[m]) (empty when start == end). */
  bandStart: Int32Array;
  bandEnd: Int32Array;
}

export type FilterbankParams = Pick<MelFrontEndParams, 'sampleRate' | 'nFft' | 'nMels' | 'fmin' | 'fmax' | 'htk' | 'norm'>;

/** HTK mel scale (librosa `hz_to_mel(htk=True)`). */
export function hzToMelHtk(hz: number): number {
  return 2595.0 * Math.log10(1.0 + hz / 700.0);
}

/** Inverse of {@link hzToMelHtk} (librosa `mel_to_hz(htk=True)`). */
export function melToHzHtk(mel: number): number {
  return 700.0 * (Math.pow(10.0, mel / 2595.0) - 1.0);
}

/** numpy `linspace(start, stop, num)`: start + k * step, the last point set to `stop` exactly. */
function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const step = (stop - start) / (num - 1);
  for (let k = 0; k < num; k++) out[k] = k * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** librosa 0.9.2 `fft_frequencies`: numpy `rfftfreq(nFft, 1 / sr)` = k * (1 / (nFft * (1 / sr))). */
export function fftFrequencies(sampleRate: number, nFft: number): Float64Array {
  const binHz = 1.0 / (nFft * (1.0 / sampleRate));
  const out = new Float64Array(1 + Math.floor(nFft / 2));
  for (let k = 0; k < out.length; k++) out[k] = k * binHz;
  return out;
}

/** librosa 0.9.2 `mel_frequencies(htk=True)`: `count` points evenly spaced on the HTK mel scale, in Hz. */
export function melFrequencies(count: number, fmin: number, fmax: number): Float64Array {
  return linspace(hzToMelHtk(fmin), hzToMelHtk(fmax), count).map(melToHzHtk);
}

// np.finfo(np.float32).tiny: librosa's `normalize` leaves rows whose norm is below it unscaled.
const FLOAT32_TINY = 1.1754943508222875e-38;

/**
 * librosa 0.9.2 `filters.mel(sr, n_fft, n_mels, fmin, fmax, htk, norm=<number>, dtype=float32)`.
 *
 * Precision, as librosa does it: the triangles are computed in float64 and stored into a float32
 * array; `util.normalize(norm=p)` then takes their p-norm in float64 (`np.abs(S).astype(float)`),
 * rows with norm < float32 tiny keep norm 1 (so all-zero rows stay zero), divides in float64 and
 * stores float32 again. Only the HTK scale (MULE's) and a numeric norm (p > 0) are supported; Slaney's
 * scale and 'slaney' area norm are not.
 */
export function melFilterbank(params: FilterbankParams): MelFilterbank {
  const { sampleRate, nFft, nMels, fmin, fmax, htk, norm } = params;
  if (!(typeof norm === 'number' && norm > 0)) {
    throw new MuleError('UNSUPPORTED', `mel filterbank: norm ${String(norm)} is not supported (a number > 0 is, e.g. 2)`, {
      expected: 'a number > 0',
      found: norm,
    });
  }
  if (htk !== true) {
    throw new MuleError('UNSUPPORTED', 'mel filterbank: only the HTK mel scale (htk: true, as MULE uses) is supported', {
      expected: true,
      found: htk,
    });
  }
  const fftFreqs = fftFrequencies(sampleRate, nFft);
  const nBins = fftFreqs.length;
  const melF = melFrequencies(nMels + 2, fmin, fmax);

  const weights = new Float32Array(nMels * nBins);
  const bandStart = new Int32Array(nMels);
  const bandEnd = new Int32Array(nMels);
  for (let m = 0; m < nMels; m++) {
    const lowDiff = melF[m + 1]! - melF[m]!;
    const highDiff = melF[m + 2]! - melF[m + 1]!;
    const row = weights.subarray(m * nBins, (m + 1) * nBins);
    for (let k = 0; k < nBins; k++) {
      const lower = -(melF[m]! - fftFreqs[k]!) / lowDiff;
      const upper = (melF[m + 2]! - fftFreqs[k]!) / highDiff;
      row[k] = Math.max(0, Math.min(lower, upper));
    }
    let sum = 0;
    for (let k = 0; k < nBins; k++) sum += norm === 2 ? row[k]! * row[k]! : Math.pow(Math.abs(row[k]!), norm);
    let length = norm === 2 ? Math.sqrt(sum) : Math.pow(sum, 1 / norm);
    if (!(length >= FLOAT32_TINY)) length = 1;
    let start = nBins;
    let end = 0;
    for (let k = 0; k < nBins; k++) {
      row[k] = row[k]! / length;
      if (row[k] !== 0) {
        if (start === nBins) start = k;
        end = k + 1;
      }
    }
    bandStart[m] = Math.min(start, end);
    bandEnd[m] = end;
  }
  return { nMels, nBins, weights, bandStart, bandEnd };
}
