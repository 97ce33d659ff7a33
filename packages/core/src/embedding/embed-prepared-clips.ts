/**
 * The backbone over prepared clips, whatever runs it (onnxruntime-node, onnxruntime-web): the
 * full-width slices of all clips share batches, a narrower slice (upstream's 2-3 s clip) runs on
 * its own, and each clip's embedding is the mean of its timeline (null when it has no slice).
 */
import type { PreparedClip } from '../frontend/prepare-clip.js';

/** One backbone run: (count, mel bins, width) standardised slices back to back -> (count, D). */
export type RunSlices = (slices: Float32Array, count: number, width: number) => Promise<Float32Array>;

export interface SliceBatching {
  embeddingDim: number;
  melBins: number;
  /** Frames of a full slice (300). */
  fullWidth: number;
  /** Full-width slices per run. */
  batchSize: number;
}

export interface ClipEmbedding {
  /** The mean of the timeline rows; null when the clip gave no slice. */
  embedding: Float32Array | null;
  /** (sliceCount, embeddingDim) row-major. */
  timeline: Float32Array;
  sliceCount: number;
  embeddingDim: number;
  centres: number[];
}

export async function embedPreparedClips(clips: readonly PreparedClip[], run: RunSlices, batching: SliceBatching): Promise<ClipEmbedding[]> {
  const { embeddingDim: dim, melBins, fullWidth, batchSize } = batching;
  const outputs = clips.map((c) => new Float32Array(c.slices.slices.length * dim));
  const queue: Array<{ clip: number; slice: number }> = [];
  for (const [ci, c] of clips.entries()) {
    for (const [si, width] of c.slices.widths.entries()) {
      if (width === fullWidth) queue.push({ clip: ci, slice: si });
      else outputs[ci]!.set(await run(c.slices.slices[si]!, 1, width), si * dim);
    }
  }
  const per = melBins * fullWidth;
  for (let start = 0; start < queue.length; start += batchSize) {
    const part = queue.slice(start, start + batchSize);
    const batch = new Float32Array(part.length * per);
    part.forEach((q, i) => batch.set(clips[q.clip]!.slices.slices[q.slice]!, i * per));
    const y = await run(batch, part.length, fullWidth);
    part.forEach((q, i) => outputs[q.clip]!.set(y.subarray(i * dim, (i + 1) * dim), q.slice * dim));
  }
  return clips.map((clip, i) => ({ ...clipEmbeddingOfTimeline(outputs[i]!, clip.slices.slices.length, dim), centres: clip.slices.centres }));
}

/** A clip's embedding from its (sliceCount, dim) timeline: the mean of the rows, summed in float64 in row order; null with no row. */
export function clipEmbeddingOfTimeline(timeline: Float32Array, sliceCount: number, embeddingDim: number): Omit<ClipEmbedding, 'centres'> {
  const dim = embeddingDim;
  let embedding: Float32Array | null = null;
  if (sliceCount > 0) {
    const sum = new Float64Array(dim);
    for (let r = 0; r < sliceCount; r++) for (let j = 0; j < dim; j++) sum[j]! += timeline[r * dim + j]!;
    embedding = Float32Array.from(sum, (v) => v / sliceCount);
  }
  return { embedding, timeline, sliceCount, embeddingDim: dim };
}
