import { MuleError } from '../errors/mule-error.js';
import type { SlicingParams } from './frontend-params.js';

/**
 * How clips shorter than one slice (T < lookBackward + lookForward = 300 frames, under 3 s) are
 * sliced:
 * - 'faithful' (default): exactly as upstream. 2.01 s .. 2.99 s (T = 201 .. 299) gives one slice
 *   only 300 - T frames wide (Python negative start index: 2.5 s -> 49 frames), T <= 200 gives none.
 * - 'pad': the mel is first right-padded to 300 frames with 0, the log-mel value of digital
 *   silence (log10(10000 * 0 + 1)), i.e. the clip followed by silence; the upstream rule then
 *   gives exactly one full slice, centre 150, frames [0, 300). Any clip with T >= 1 (any
 *   non-empty waveform) gives one full 96 x 300 slice. For T >= 300 'pad' equals 'faithful'.
 */
export type ShortClipMode = 'faithful' | 'pad';

export interface ExtractSlicesOptions {
  shortClip?: ShortClipMode;
  /** Mel bands of the input (config `melFrontEnd.nMels`). */
  nMels: number;
  /** Config `slicing`. */
  params: Readonly<SlicingParams>;
}

/** Standardised slices of a log-mel spectrogram, in upstream order. */
export interface MelSlices {
  nMels: number;
  /** Centre frame of each slice, after clamping (of the padded mel in 'pad' mode). */
  centres: number[];
  /** First mel frame of each slice, after Python slice semantics. */
  starts: number[];
  /** Frames in each slice: 300, except upstream's narrow slice of a 2-3 s clip ('faithful'). */
  widths: number[];
  /**
   * All slices back to back, each (nMels, width) row-major. When every width is 300 (always,
   * except the one narrow slice) this is the (K, 96, 300) batch the backbone takes.
   */
  data: Float32Array;
  /** Views into `data`, one per slice. */
  slices: Float32Array[];
}

/**
 * Upstream's slice centres for a mel of `frames` frames (EmbeddingFeature over SliceExtractor).
 *
 * The rule, read from upstream `TransformFeature.from_feature` and `SliceExtractor`:
 * - the mel is walked in chunks: boundaries = range(0, T, chunkFrames) + [T], so chunks are
 *   [0, 8000), [8000, 16000), ..., [8000k, T): the last one ends at T; T = 0 gives no chunk;
 * - chunk [s, e) takes `range(0, e, hop)` (starting at 0 for every chunk, not at s) filtered by
 *   t > s: the multiples of hop strictly inside (s, e). Over all chunks: every multiple of hop
 *   in (0, T) except the chunk starts 0, 8000, 16000, ...;
 * - each centre is clamped: c = max(c, lookBackward), then c = min(c, T - lookForward) (the
 *   second wins when T < 300, giving a centre below 150).
 */
export function sliceCentres(frames: number, params: Readonly<SlicingParams>): number[] {
  if (!Number.isInteger(frames) || frames < 0) throw new RangeError(`frame count ${frames} must be a non-negative integer`);
  const { chunkFrames, hop, lookBackward, lookForward } = params;
  const centres: number[] = [];
  for (let chunkStart = 0; chunkStart < frames; chunkStart += chunkFrames) {
    const chunkEnd = Math.min(chunkStart + chunkFrames, frames);
    for (let t = 0; t < chunkEnd; t += hop) {
      if (t <= chunkStart) continue;
      centres.push(Math.min(Math.max(t, lookBackward), frames - lookForward));
    }
  }
  return centres;
}

/** Python's `x[start:stop]` bounds on a sequence of `length`: negative indices count from the end. */
function pythonSliceBounds(start: number, stop: number, length: number): [number, number] {
  const clamp = (i: number): number => (i < 0 ? Math.max(0, i + length) : Math.min(i, length));
  const a = clamp(start);
  return [a, Math.max(a, clamp(stop))];
}

/**
 * Cuts the (nMels, frames) row-major log-mel into upstream's slices mel[:, c-150 : c+150] and
 * standardises each on its own: minus its mean, divided by its population std floored at 0.01
 * (nan/inf std -> 1). Mean and std are computed in float64 (upstream: float32), the result
 * rounded to float32.
 */
export function extractSlices(mel: Float32Array, frames: number, options: ExtractSlicesOptions): MelSlices {
  const { params, nMels } = options;
  if (!Number.isInteger(frames) || frames < 0 || mel.length !== nMels * frames) {
    throw new MuleError('WRONG_SHAPE', `slicer: the mel has ${mel.length} values, expected ${nMels} bands x ${frames} frames`, {
      tensor: 'log-mel',
      expected: [nMels, frames],
      found: mel.length,
    });
  }
  const sliceFrames = params.lookBackward + params.lookForward;
  let source = mel;
  let sourceFrames = frames;
  if (options.shortClip === 'pad' && frames > 0 && frames < sliceFrames) {
    source = new Float32Array(nMels * sliceFrames);
    for (let m = 0; m < nMels; m++) source.set(mel.subarray(m * frames, (m + 1) * frames), m * sliceFrames);
    sourceFrames = sliceFrames;
  }

  const plan = slicePlan(sourceFrames, params);
  return cutSlices(source, sourceFrames, nMels, plan, 0, plan.centres.length, params.stdFloor);
}

/** Where upstream's slices of a mel of `frames` frames lie: centres, first frames and widths. */
export interface SlicePlan {
  centres: number[];
  starts: number[];
  widths: number[];
}

export function slicePlan(frames: number, params: Readonly<SlicingParams>): SlicePlan {
  const centres = sliceCentres(frames, params);
  const starts: number[] = [];
  const widths: number[] = [];
  for (const c of centres) {
    const [start, stop] = pythonSliceBounds(c - params.lookBackward, c + params.lookForward, frames);
    starts.push(start);
    widths.push(stop - start);
  }
  return { centres, starts, widths };
}

/** Slices [first, end) of `plan`, cut from the (nMels, frames) mel and standardised each on its own. */
export function cutSlices(mel: Float32Array, frames: number, nMels: number, plan: SlicePlan, first: number, end: number, stdFloor: number): MelSlices {
  const widths = plan.widths.slice(first, end);
  const starts = plan.starts.slice(first, end);
  const data = new Float32Array(nMels * widths.reduce((a, b) => a + b, 0));
  const slices: Float32Array[] = [];
  let offset = 0;
  for (let k = 0; k < widths.length; k++) {
    const width = widths[k]!;
    const out = data.subarray(offset, offset + nMels * width);
    for (let m = 0; m < nMels; m++) {
      const from = m * frames + starts[k]!;
      out.set(mel.subarray(from, from + width), m * width);
    }
    standardise(out, stdFloor);
    slices.push(out);
    offset += nMels * width;
  }
  return { nMels, centres: plan.centres.slice(first, end), starts, widths, data, slices };
}

/** In place: (x - mean) / max(std, floor), population std, nan/inf std -> 1 (upstream's order). */
function standardise(values: Float32Array, stdFloor: number): void {
  const n = values.length;
  if (n === 0) return;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    squares += d * d;
  }
  let std = Math.sqrt(squares / n);
  if (!Number.isFinite(std)) std = 1;
  std = Math.max(std, stdFloor);
  for (let i = 0; i < n; i++) values[i] = (values[i]! - mean) / std;
}
