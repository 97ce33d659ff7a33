/**
 * Every parameter of the upstream MULE front-end, from the audio file to the standardised slices
 * (mule_embedding_timeline.yml; ffmpeg, librosa 0.9.2, resampy kaiser_best), as data. The converter
 * writes them into the artifacts' config.json; every stage reads them from there.
 */
import type { KaiserSincParams } from '../audio/kaiser-sinc-filter.js';

/** Decoding: ffmpeg to `sampleRate` Hz signed 16-bit, int16 / `int16Scale`, channels summed, first `maxSeconds`. */
export interface DecodingParams {
  sampleRate: number;
  sampleFormat: 's16';
  /** int16 / scale: upstream divides by 2**16, not 2**15. */
  int16Scale: number;
  channelMix: 'sum';
  maxSeconds: number;
}

/** Resampling to the mel's rate: resampy's band-limited sinc interpolation with a Kaiser-windowed table. */
export interface ResamplingParams {
  targetRate: number;
  method: 'resampy-kaiser-sinc';
  /** The interpolation table's figures (resampy `kaiser_best`). */
  filter: KaiserSincParams;
  /** librosa's `fix_length` to ceil(n * target / source) after resampy's floor. */
  lengthRule: 'librosa-fix-length';
}

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

/** The whole front-end: what a consumer needs besides the backbone. */
export interface FrontEndParams {
  decoding: DecodingParams;
  resampling: ResamplingParams;
  melFrontEnd: MelFrontEndParams;
  slicing: SlicingParams;
}

export const MULE_DECODING: Readonly<DecodingParams> = Object.freeze({
  sampleRate: 44_100,
  sampleFormat: 's16',
  int16Scale: 65_536,
  channelMix: 'sum',
  maxSeconds: 30 * 60,
});

/** resampy's `kaiser_best`: 50 zero crossings, 2^13 points each; the figures rebuild upstream's table. */
export const KAISER_BEST: Readonly<KaiserSincParams> = Object.freeze({
  zeroCrossings: 50,
  precision: 2 ** 13,
  rolloff: 0.9173473712608761,
  beta: 12.984585309858513,
});

export const MULE_RESAMPLING: Readonly<ResamplingParams> = Object.freeze({
  targetRate: 16_000,
  method: 'resampy-kaiser-sinc',
  filter: KAISER_BEST,
  lengthRule: 'librosa-fix-length',
});

export const MULE_MEL_FRONT_END: Readonly<MelFrontEndParams> = Object.freeze({
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
  compression: Object.freeze({ kind: 'log10_nonneg', multiplier: 10_000 }),
});

export const MULE_SLICING: Readonly<SlicingParams> = Object.freeze({
  lookBackward: 150,
  lookForward: 150,
  hop: 200,
  chunkFrames: 8000,
  stdFloor: 0.01,
});

/** Upstream MULE's front-end: what `pnpm convert` writes into config.json. */
export const MULE_FRONT_END: Readonly<FrontEndParams> = Object.freeze({
  decoding: MULE_DECODING,
  resampling: MULE_RESAMPLING,
  melFrontEnd: MULE_MEL_FRONT_END,
  slicing: MULE_SLICING,
});

/** Frames in one full slice. */
export function sliceWidth(slicing: Readonly<SlicingParams>): number {
  return slicing.lookBackward + slicing.lookForward;
}
