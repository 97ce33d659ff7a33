import { extractSlices, logMelSpectrogram, type LogMelSpectrogram, type MelSlices, type ShortClipMode, type ModelConfig } from '@mule-ts/core';
/** The front-end of one clip, separate from the backbone so worker threads can run it without ONNX Runtime. */

/** A clip after the front-end: what the backbone needs (computed by `prepareClip`, possibly in a worker). */
export interface PreparedClip {
  mel?: LogMelSpectrogram;
  slices: MelSlices;
}

/** The front-end of one clip (log-mel, then upstream's standardised slices) for a model config. */
export function prepareClip(waveform16k: Float32Array | Float64Array, config: Pick<ModelConfig, 'melFrontEnd' | 'slicing'>, shortClip: ShortClipMode = 'faithful'): PreparedClip {
  const mel = logMelSpectrogram(waveform16k, config.melFrontEnd);
  const slices = extractSlices(mel.data, mel.frames, { shortClip, nMels: mel.nMels, params: config.slicing });
  return { mel, slices };
}

