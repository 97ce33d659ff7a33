/**
 * The scheduling of `mule embed`: the front-end (decode, resample, mel, slices) of up to `ahead`
 * files runs in the pool and hands on each file's slices in parts as they are computed, while the
 * main thread runs the backbone over slices batched across parts and files; so the backbone starts
 * on a long file's first slices before its front-end has finished. Outcomes are handed to `commit`
 * strictly in input order.
 */
import { clipEmbeddingOfTimeline, type PreparedClip } from '@mule-ts/core';
import type { EmbedResult, MuleModel } from '../model/index.js';
import type { FrontEndPool } from './front-end-pool.js';
import type { FilePart, PrepareOutcome } from './prepare-file.js';
import type { ReusedFile } from './unchanged-files.js';

export type CommitOutcome = (index: number, outcome: PrepareOutcome, result: EmbedResult | null) => Promise<void>;

/** A file whose slices are arriving or being embedded. */
interface FileInFlight {
  /** Carried over whole (--skip-unchanged). */
  result?: EmbedResult;
  timeline: Float32Array | null;
  centres: number[];
  embeddedSlices: number;
  outcome: PrepareOutcome | null;
}

/** How long the backbone waited for slices, for the bench (seconds, summed over the run). */
export interface PipelineTimes {
  backboneSeconds: number;
  waitingSeconds: number;
}

/**
 * Keeps up to `ahead` files in the front-end, runs the backbone on what is ready (all ready
 * slices, which `embedPrepared` runs the model's batch size at a time) whenever it is free, and commits outcomes strictly in
 * input order. The backbone does not wait for a full batch: measured with one front-end worker on
 * 2 cores, idling until one is full cost more than the smaller batches do.
 */
export async function runEmbedPipeline(
  files: readonly string[],
  pool: FrontEndPool,
  model: MuleModel,
  ahead: number,
  commit: CommitOutcome,
  /** Files whose result is carried over (--skip-unchanged): committed in their place, not embedded. */
  reused: ReadonlyMap<string, ReusedFile> = new Map(),
): Promise<PipelineTimes> {
  const n = files.length;
  const inFlight = new Map<number, FileInFlight>();
  let ready: Array<{ index: number; part: FilePart }> = [];
  let launched = 0;
  let inFrontEnd = 0;
  let committed = 0;
  const times: PipelineTimes = { backboneSeconds: 0, waitingSeconds: 0 };
  let wake: (() => void) | null = null;
  const notify = (): void => {
    wake?.();
    wake = null;
  };

  const launch = (index: number): void => {
    const carried = reused.get(files[index]!);
    if (carried) {
      const { result, outcome } = carried;
      inFlight.set(index, { result, timeline: null, centres: [], embeddedSlices: result.sliceCount, outcome });
      return;
    }
    inFrontEnd++;
    const state: FileInFlight = { timeline: null, centres: [], embeddedSlices: 0, outcome: null };
    inFlight.set(index, state);
    const onPart = (part: FilePart): void => {
      ready.push({ index, part });
      notify();
    };
    void pool.prepare(files[index]!, onPart).then((outcome) => {
      inFrontEnd--;
      state.outcome = outcome;
      if (!outcome.ok) {
        // parts of a file that failed later are not embedded
        ready = ready.filter((r) => r.index !== index);
      }
      notify();
    });
  };

  const isComplete = (state: FileInFlight): boolean => state.outcome !== null && (!state.outcome.ok || state.embeddedSlices === state.outcome.sliceCount);

  while (committed < n) {
    while (launched < n && (inFrontEnd < ahead || reused.has(files[launched]!))) launch(launched++);
    if (ready.length > 0) {
      const batch = ready;
      ready = [];
      const clips: PreparedClip[] = batch.map((b) => ({ slices: b.part.slices }));
      const t0 = performance.now();
      const results = await model.embedPrepared(clips);
      times.backboneSeconds += (performance.now() - t0) / 1000;
      batch.forEach(({ index, part }, i) => {
        const state = inFlight.get(index)!;
        if (state.outcome?.ok === false) return;
        const dim = results[i]!.embeddingDim;
        state.timeline ??= new Float32Array(part.sliceCount * dim);
        state.timeline.set(results[i]!.timeline, part.first * dim);
        state.centres.push(...part.slices.centres);
        state.embeddedSlices += part.slices.widths.length;
      });
    }
    let progressed = false;
    for (let state = inFlight.get(committed); state && isComplete(state); state = inFlight.get(committed)) {
      inFlight.delete(committed);
      await commit(committed, state.outcome!, state.outcome!.ok ? fileResult(state, model.embeddingDim) : null);
      committed++;
      progressed = true;
    }
    if (committed >= n) break;
    if (!progressed && ready.length === 0 && inFrontEnd > 0) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      times.waitingSeconds += (performance.now() - t0) / 1000;
    }
  }
  return times;
}

function fileResult(state: FileInFlight, embeddingDim: number): EmbedResult {
  if (state.result) return state.result;
  const sliceCount = state.embeddedSlices;
  const timeline = state.timeline ?? new Float32Array(0);
  return { ...clipEmbeddingOfTimeline(timeline, sliceCount, embeddingDim), centres: state.centres };
}
