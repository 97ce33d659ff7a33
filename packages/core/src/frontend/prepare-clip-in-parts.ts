/**
 * The whole front-end of one clip (resample, log-mel, slices) computed a few slices at a time, so
 * the backbone can start on a long clip's first slices while the rest is being computed. Every
 * slice is bit-identical to what `resampleForModel` + `prepareClip` give for the whole clip: the
 * resampler, the STFT frames and the slices are all pure functions of the whole signal and their
 * index, and the clip's length (so its frame count and slice plan) is known before the first part.
 */
import { librosaResampledLength, requireFiniteWaveform, resampleForModel } from '../audio/resample-for-model.js';
import { resampleRangeInto } from '../audio/resample.js';
import type { FrontEndParams } from './frontend-params.js';
import { LogMelFrameWriter } from './log-mel.js';
import { prepareClip } from './prepare-clip.js';
import { cutSlices, slicePlan, type MelSlices, type ShortClipMode } from './slicer.js';

export interface ClipInParts {
  /** Slices of the whole clip (the parts' slices, in order, add up to this). */
  sliceCount: number;
  /** The clip's waveform length at the model's rate. */
  samples: number;
  /** Consecutive runs of slices, computed as they are taken. */
  parts: Iterable<MelSlices>;
}

export interface ClipInPartsOptions {
  shortClip?: ShortClipMode;
  /** Slices per part (default 8, the backbone's batch). */
  slicesPerPart?: number;
}

type Params = Pick<FrontEndParams, 'resampling' | 'melFrontEnd' | 'slicing'>;

/**
 * `decoded` is the mono signal at `sampleRate` (upstream's float32 convention). Clips shorter than
 * one full slice come as a single part (their slicing depends on the short-clip mode).
 */
export function prepareClipInParts(decoded: Float32Array, sampleRate: number, params: Params, options: ClipInPartsOptions = {}): ClipInParts {
  const shortClip = options.shortClip ?? 'faithful';
  const perPart = options.slicesPerPart ?? 8;
  if (!(Number.isInteger(perPart) && perPart >= 1)) throw new RangeError(`slices per part ${perPart} must be a positive integer`);
  const target = params.resampling.targetRate;
  const samples = sampleRate === target ? decoded.length : librosaResampledLength(decoded.length, sampleRate, target);
  const writer = new LogMelFrameWriter(params.melFrontEnd);
  const frames = writer.frameCount(samples);
  const { lookBackward, lookForward } = params.slicing;
  if (samples === 0 || frames < lookBackward + lookForward) {
    const { slices } = prepareClip(resampleForModel(decoded, sampleRate, params.resampling), params, shortClip);
    return { sliceCount: slices.widths.length, samples, parts: [slices] };
  }
  requireFiniteWaveform(decoded);
  const plan = slicePlan(frames, params.slicing);
  const nMels = params.melFrontEnd.nMels;
  function* parts(): Generator<MelSlices> {
    const waveform = new Float32Array(samples); // zeros past resampy's length are librosa's fix_length padding
    const mel = new Float32Array(nMels * frames);
    let resampled = 0;
    let melFrames = 0;
    for (let first = 0; first < plan.widths.length; first += perPart) {
      const end = Math.min(plan.widths.length, first + perPart);
      const lastFrame = plan.starts[end - 1]! + plan.widths[end - 1]! - 1;
      const needed = writer.samplesNeeded(lastFrame, samples);
      if (needed > resampled) {
        resampleRangeInto(decoded, waveform, sampleRate, target, params.resampling.filter, resampled, needed);
        resampled = needed;
      }
      if (lastFrame + 1 > melFrames) {
        writer.write(waveform, melFrames, lastFrame + 1, mel);
        melFrames = lastFrame + 1;
      }
      yield cutSlices(mel, frames, nMels, plan, first, end, params.slicing.stdFloor);
    }
  }
  return { sliceCount: plan.widths.length, samples, parts: { [Symbol.iterator]: parts } };
}
