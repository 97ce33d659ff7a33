/**
 * The scheduling of `mule embed`: the front-end (decode, resample, mel, slices) of up to `ahead`
 * files runs in the pool while the main thread runs the backbone over slices batched across
 * files; outcomes are handed to `commit` strictly in input order.
 */
import type { PreparedClip } from '@mule-ts/core';
import type { EmbedResult, MuleModel } from '../model/index.js';
import type { FrontEndPool } from './front-end-pool.js';
import type { PrepareOutcome, PreparedFile } from './prepare-file.js';

export type CommitOutcome = (index: number, outcome: PrepareOutcome, result: EmbedResult | null) => Promise<void>;

/**
 * Keeps up to `ahead` files in the front-end, runs the backbone whenever `batchSize` slices are
 * ready (or nothing else can arrive), and commits outcomes strictly in input order.
 */
export async function runEmbedPipeline(files: readonly string[], pool: FrontEndPool, model: MuleModel, batchSize: number, ahead: number, commit: CommitOutcome): Promise<void> {
  const n = files.length;
  const finished = new Map<number, { outcome: PrepareOutcome; result: EmbedResult | null }>();
  let ready: Array<{ index: number; prepared: PreparedFile }> = [];
  let readySlices = 0;
  let launched = 0;
  let inFrontEnd = 0;
  let committed = 0;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    wake?.();
    wake = null;
  };

  const launch = (index: number): void => {
    inFrontEnd++;
    void pool.prepare(files[index]!).then((outcome) => {
      inFrontEnd--;
      if (outcome.ok) {
        ready.push({ index, prepared: outcome });
        readySlices += outcome.slices.widths.length;
      } else {
        finished.set(index, { outcome, result: null });
      }
      notify();
    });
  };

  while (committed < n) {
    while (launched < n && inFrontEnd < ahead) launch(launched++);
    if (ready.length > 0 && (readySlices >= batchSize || inFrontEnd === 0)) {
      const batch = ready;
      ready = [];
      readySlices = 0;
      const clips: PreparedClip[] = batch.map((b) => ({ slices: b.prepared.slices }));
      const results = await model.embedPrepared(clips);
      batch.forEach((b, i) => finished.set(b.index, { outcome: b.prepared, result: results[i]! }));
    }
    let progressed = false;
    while (finished.has(committed)) {
      const { outcome, result } = finished.get(committed)!;
      finished.delete(committed);
      await commit(committed, outcome, result);
      committed++;
      progressed = true;
    }
    if (committed >= n) break;
    if (!progressed && readySlices < batchSize && inFrontEnd > 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  }
}
