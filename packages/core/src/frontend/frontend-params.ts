/**
 * The upstream MULE front-end (mule_embedding_timeline.yml; librosa 0.9.2 semantics), as data.
 * Written into the converted artifacts' config.json so a runtime needs nothing else.
 */
export interface MelFrontEndParams {
  sampleRate: number;
  nFft: number;
  hopLength: number;
  winLength: number;
  window: 'hann';
  /** librosa `center=True` padding mode. */
  padMode: 'reflect';
  nMels: number;
  fmin: number;
  fmax: number;
  htk: boolean;
  /** Filter normalisation: 2 = each filter scaled to unit L2 norm. */
  norm: number;
  power: number;
  /** log10(multiplier * mel + 1) */
  compression: { kind: 'log10_nonneg'; multiplier: number };
}

export interface SlicingParams {
  lookBackward: number;
  lookForward: number;
  hop: number;
  /** The embedding step walks the mel in chunks of this many frames; chunk starts are never centres. */
  chunkFrames: number;
  /** Per-slice standardisation: std floored at this value. */
  stdFloor: number;
}

export interface AudioInputParams {
  decodeSampleRate: number;
  /** int16 / scale: upstream divides by 2**16. */
  int16Scale: number;
  channelMix: 'sum';
  maxSeconds: number;
}

export const MULE_AUDIO_INPUT: Readonly<AudioInputParams> = {
  decodeSampleRate: 44_100,
  int16Scale: 65_536,
  channelMix: 'sum',
  maxSeconds: 30 * 60,
};

export const MULE_MEL_FRONT_END: Readonly<MelFrontEndParams> = {
  sampleRate: 16_000,
  nFft: 2048,
  hopLength: 160,
  winLength: 400,
  window: 'hann',
  padMode: 'reflect',
  nMels: 96,
  fmin: 0,
  fmax: 8000,
  htk: true,
  norm: 2,
  power: 2,
  compression: { kind: 'log10_nonneg', multiplier: 10_000 },
};

export const MULE_SLICING: Readonly<SlicingParams> = {
  lookBackward: 150,
  lookForward: 150,
  hop: 200,
  chunkFrames: 8000,
  stdFloor: 0.01,
};
