/**
 * Deliberately wrong runtimes for the sabotage tests: each differs from the real one in exactly
 * one documented way, so verify must fail at the stage that has the fault.
 */
import { extractSlices, melFilterbank, resampleForModel, type FrontEndParams, type LogMelSpectrogram } from '@mule-ts/core';
import { RUNTIME_PIPELINE, type CandidatePipeline } from '../parity/index.js';

/**
 * The log-mel with a SYMMETRIC Hann window (0.5 - 0.5 cos(2 pi n / (L - 1))) instead of librosa's
 * periodic one; everything else as upstream. A plain DFT over the 400 windowed samples (|X|^2 does
 * not depend on where they sit in the 2048-sample frame).
 */
export function symmetricHannLogMel(waveform: Float32Array, frontEnd: FrontEndParams): LogMelSpectrogram {
  const { nFft, hopLength, winLength, nMels } = frontEnd.melFrontEnd;
  const window = Float64Array.from({ length: winLength }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (winLength - 1)));
  const cos = Float64Array.from({ length: nFft }, (_, i) => Math.cos((2 * Math.PI * i) / nFft));
  const sin = Float64Array.from({ length: nFft }, (_, i) => Math.sin((2 * Math.PI * i) / nFft));
  const filterbank = melFilterbank(frontEnd.melFrontEnd);
  const frames = 1 + Math.floor(waveform.length / hopLength);
  const data = new Float32Array(nMels * frames);
  const segment = new Float64Array(winLength);
  const power = new Float64Array(filterbank.nBins);
  const windowStart = (nFft - winLength) / 2 - nFft / 2; // first windowed sample relative to t * hop
  for (let t = 0; t < frames; t++) {
    for (let n = 0; n < winLength; n++) segment[n] = window[n]! * waveform[reflect(t * hopLength + windowStart + n, waveform.length)]!;
    for (let k = 0; k < filterbank.nBins; k++) {
      let re = 0;
      let im = 0;
      for (let n = 0, phase = 0; n < winLength; n++, phase = (phase + k) % nFft) {
        re += segment[n]! * cos[phase]!;
        im -= segment[n]! * sin[phase]!;
      }
      power[k] = re * re + im * im;
    }
    for (let m = 0; m < nMels; m++) {
      let sum = 0;
      for (let k = filterbank.bandStart[m]!; k < filterbank.bandEnd[m]!; k++) sum += filterbank.weights[m * filterbank.nBins + k]! * power[k]!;
      data[m * frames + t] = Math.log10(10_000 * sum + 1);
    }
  }
  return { nMels, frames, data };
}

/** numpy's 'reflect' padding as an index map (the edge sample is not repeated). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const j = ((i % period) + period) % period;
  return j < n ? j : period - j;
}

export const SYMMETRIC_HANN_PIPELINE: CandidatePipeline = {
  ...RUNTIME_PIPELINE,
  description: 'SABOTAGED: symmetric Hann window in the log-mel',
  logMel: symmetricHannLogMel,
};

/** The slicer without upstream's chunk quirk: frames 8000, 16000, ... become centres too. */
export const NO_CHUNK_QUIRK_PIPELINE: CandidatePipeline = {
  ...RUNTIME_PIPELINE,
  description: 'SABOTAGED: slicer without the 8000-frame chunk quirk',
  extractSlices: (mel, frontEnd) => extractSlices(mel.data, mel.frames, { nMels: mel.nMels, params: { ...frontEnd.slicing, chunkFrames: Number.MAX_SAFE_INTEGER } }),
};

/** kaiser_best's table rebuilt with rolloff 0.85 (the cut-off of resampy's kaiser_fast) instead of 0.9173. */
const LOW_ROLLOFF = 0.85;

/** The resampler with the low-rolloff table; same lengths (fix_length), so only the values are wrong. */
export function lowRolloffResample(samples: Float32Array, sampleRate: number, frontEnd: FrontEndParams): Float32Array {
  const { resampling } = frontEnd;
  return resampleForModel(samples, sampleRate, { ...resampling, filter: { ...resampling.filter, rolloff: LOW_ROLLOFF } });
}

export const LOW_ROLLOFF_RESAMPLER_PIPELINE: CandidatePipeline = {
  ...RUNTIME_PIPELINE,
  description: `SABOTAGED: resampler filter with rolloff ${LOW_ROLLOFF} instead of kaiser_best's`,
  resample: lowRolloffResample,
};
