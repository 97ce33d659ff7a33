/**
 * librosa 0.9.2's `resample(y, orig_sr, target)` with its defaults (res_type 'kaiser_best',
 * fix=True, scale=False), as upstream MULE's `AudioWaveform` calls it: reject a non-finite buffer,
 * return the input when the rates match, otherwise resampy's `resample` followed by `fix_length`
 * to ceil(n * target / srOrig) (zero padding; resampy gives floor), cast back to the input's dtype.
 * The target rate and the filter figures come from the artifacts' config (`resampling`).
 *
 * Upstream's waveform is float32 (int16 / 2**16, channels summed in float32), so pass a
 * Float32Array to reproduce upstream to the bit; a Float64Array is resampled in float64.
 */
import { MuleError } from '../errors/mule-error.js';
import type { ResamplingParams } from '../frontend/frontend-params.js';
import { resample } from './resample.js';

/** librosa's target length: ceil(n * (target / orig)), the ratio rounded first as librosa does. */
export function librosaResampledLength(inputLength: number, srOrig: number, srNew: number): number {
  return Math.ceil(inputLength * (srNew / srOrig));
}

/** librosa.util.fix_length: trims to `size` or zero-pads at the end. */
export function fixLength<T extends Float32Array | Float64Array>(x: T, size: number): T {
  if (x.length === size) return x;
  if (x.length > size) return x.slice(0, size) as T;
  const out = (x instanceof Float32Array ? new Float32Array(size) : new Float64Array(size)) as T;
  out.set(x);
  return out;
}

/**
 * Any-rate mono waveform -> the model's rate exactly as upstream (librosa 0.9.2 + resampy).
 * Input already at the target rate comes back as a copy. Throws NON_FINITE for a non-finite sample
 * (librosa's valid_audio) and INVALID_INPUT for an input too short to give one resampled sample (resampy).
 */
export function resampleForModel<T extends Float32Array | Float64Array>(x: T, srOrig: number, params: Readonly<ResamplingParams>): T {
  requireFiniteWaveform(x);
  const target = params.targetRate;
  if (srOrig === target) return x.slice() as T;
  return fixLength(resample(x, srOrig, target, params.filter), librosaResampledLength(x.length, srOrig, target));
}

/** NON_FINITE naming the first sample that is not finite, as librosa's valid_audio refuses it. */
export function requireFiniteWaveform(x: Float32Array | Float64Array): void {
  const bad = x.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new MuleError('NON_FINITE', `resample: sample ${bad} of the waveform is ${x[bad]}; librosa refuses audio that is not finite everywhere`, {
      tensor: 'waveform',
      expected: 'finite samples',
      found: x[bad],
    });
  }
}
