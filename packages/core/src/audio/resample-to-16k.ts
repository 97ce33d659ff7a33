/**
 * librosa 0.9.2's `resample(y, orig_sr, 16000)` with its defaults (res_type 'kaiser_best',
 * fix=True, scale=False), as upstream MULE's `AudioWaveform` calls it: reject a non-finite buffer,
 * return the input when the rates match, otherwise resampy's `resample` followed by `fix_length`
 * to ceil(n * 16000 / srOrig) (zero padding; resampy gives floor), cast back to the input's dtype.
 *
 * Upstream's waveform is float32 (int16 / 2**16, channels summed in float32), so pass a
 * Float32Array to reproduce upstream to the bit; a Float64Array is resampled in float64.
 */
import { MuleError } from '../errors/mule-error.js';
import { resample } from './resample.js';

export const MULE_SAMPLE_RATE = 16_000;

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
 * Any-rate mono waveform -> 16 kHz exactly as upstream (librosa 0.9.2 + resampy kaiser_best).
 * 16 kHz input comes back as a copy. Throws INVALID_INPUT for a non-finite sample (librosa's
 * valid_audio) or an input too short to give one resampled sample (resampy).
 */
export function resampleTo16k<T extends Float32Array | Float64Array>(x: T, srOrig: number): T {
  const bad = x.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new MuleError('NON_FINITE', `resample: sample ${bad} of the waveform is ${x[bad]}; librosa refuses audio that is not finite everywhere`, {
      tensor: 'waveform',
      expected: 'finite samples',
      found: x[bad],
    });
  }
  if (srOrig === MULE_SAMPLE_RATE) return x.slice() as T;
  return fixLength(resample(x, srOrig, MULE_SAMPLE_RATE), librosaResampledLength(x.length, srOrig, MULE_SAMPLE_RATE));
}
