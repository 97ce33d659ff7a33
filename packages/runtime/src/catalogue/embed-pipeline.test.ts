import type { MelSlices } from '@mule-ts/core';
import { describe, expect, it } from 'vitest';
import type { PreparedClip } from '@mule-ts/core';
import type { EmbedResult, MuleModel } from '../model/index.js';
import { runEmbedPipeline } from './embed-pipeline.js';
import type { FrontEndPool } from './front-end-pool.js';
import type { PrepareOutcome } from './prepare-file.js';

/** File i has (i % 4) slices, fails when i % 7 === 3, and finishes after a delay unrelated to i's order. */
function fakePool(inFlight: { now: number; max: number }): FrontEndPool {
  return {
    prepare: async (file: string): Promise<PrepareOutcome> => {
      const i = Number(file.slice(1));
      inFlight.now++;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      await new Promise((r) => setTimeout(r, (i * 37) % 11));
      inFlight.now--;
      if (i % 7 === 3) return { ok: false, file, error: `${file}: broken` };
      const k = i % 4;
      const slices = { nMels: 1, centres: [], starts: [], widths: Array(k).fill(1), data: Float32Array.from({ length: k }, () => i), slices: [] } as MelSlices;
      return { ok: true, file, slices, seconds: i, channelCount: 2, decoder: 'wav', warnings: [] };
    },
  } as unknown as FrontEndPool;
}

describe('runEmbedPipeline', () => {
  it('commits every file exactly once, in input order, batching slices across files', async () => {
    const batches: number[][] = [];
    const model = {
      embedPrepared: async (clips: PreparedClip[]): Promise<EmbedResult[]> => {
        batches.push(clips.map((c) => c.slices.widths.length));
        await new Promise((r) => setTimeout(r, 3));
        return clips.map((c) => ({ embedding: c.slices.data.length ? Float32Array.of(c.slices.data[0]!) : null, timeline: new Float32Array(0), sliceCount: c.slices.widths.length, embeddingDim: 1, centres: [] }));
      },
    } as unknown as MuleModel;
    const files = Array.from({ length: 40 }, (_, i) => `f${i}`);
    const committed: string[] = [];
    const inFlight = { now: 0, max: 0 };
    await runEmbedPipeline(files, fakePool(inFlight), model, 5, 4, async (index, outcome, result) => {
      expect(outcome.file).toBe(files[index]);
      committed.push(outcome.file);
      const i = Number(outcome.file.slice(1));
      if (i % 7 === 3) expect(outcome.ok).toBe(false);
      else expect(result!.embedding ? result!.embedding[0] : null).toBe(i % 4 ? i : null);
    });
    expect(committed).toEqual(files);
    expect(inFlight.max).toBeLessThanOrEqual(4);
    expect(inFlight.max).toBeGreaterThan(1);
    expect(batches.some((b) => b.length > 1)).toBe(true); // clips share backbone runs
  });
});
