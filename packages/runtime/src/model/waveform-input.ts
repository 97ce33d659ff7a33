import { MuleError } from '@mule-ts/core';

/** Checks a 16 kHz waveform handed to the runtime: a typed float array, non-empty, finite. */
export function checkWaveform(waveform: unknown, label = 'waveform'): Float32Array | Float64Array {
  if (!(waveform instanceof Float32Array) && !(waveform instanceof Float64Array)) {
    const found = waveform === null ? 'null' : Array.isArray(waveform) ? 'an Array' : typeof waveform === 'object' ? (waveform as object).constructor?.name ?? 'an object' : typeof waveform;
    throw new MuleError('INVALID_INPUT', `${label}: expected a Float32Array or Float64Array of 16 kHz samples, got ${found} (wrap plain arrays with Float32Array.from)`, {
      tensor: label,
      found,
    });
  }
  if (waveform.length === 0) {
    throw new MuleError('INVALID_INPUT', `${label}: the waveform is empty`, { tensor: label, found: 0 });
  }
  for (let i = 0; i < waveform.length; i++) {
    if (!Number.isFinite(waveform[i]!)) {
      throw new MuleError('INVALID_INPUT', `${label}: sample ${i} is ${waveform[i]} (every sample must be finite)`, { tensor: label, found: waveform[i] });
    }
  }
  return waveform;
}
