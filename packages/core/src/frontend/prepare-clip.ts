/** The front-end of one clip, separate from the backbone so it can run anywhere (a worker thread, a Web Worker). */
import type { FrontEndParams } from './frontend-params.js';
import { logMelSpectrogram, type LogMelSpectrogram } from './log-mel.js';
import { extractSlices, type MelSlices, type ShortClipMode } from './slicer.js';

/** A clip after the front-end: what the backbone needs. */
export interface PreparedClip {
  mel?: LogMelSpectrogram;
  slices: MelSlices;
}

/** Log-mel, then upstream's standardised slices, with the parameters of the model's config.json. */
export function prepareClip(waveform: Float32Array | Float64Array, config: Pick<FrontEndParams, 'melFrontEnd' | 'slicing'>, shortClip: ShortClipMode = 'faithful'): PreparedClip {
  const mel = logMelSpectrogram(waveform, config.melFrontEnd);
  const slices = extractSlices(mel.data, mel.frames, { shortClip, nMels: mel.nMels, params: config.slicing });
  return { mel, slices };
}
