import type { MelSlices, PreparedClip } from '@mule-ts/core';
import { describe, expect, it } from 'vitest';
import type { EmbedResult, MuleModel } from '../model/index.js';
import { runEmbedPipeline } from './embed-pipeline.js';
import type { FrontEndPool } from './front-end-pool.js';
import type { OnFilePart, PrepareOutcome } from './prepare-file.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * File i has (i % 5) slices, handed on one part per slice (slice s of file i holds the value
 * 10 * i + s, centre s); it fails after its first part when i % 7 === 3; delays are unrelated to i's order.
 */
function fakePool(inFlight: { now: number; max: number }): FrontEndPool {
  return {
    prepare: async (file: string, onPart: OnFilePart): Promise<PrepareOutcome> => {
      const i = Number(file.slice(1));
      inFlight.now++;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      const k = i % 5;
      for (let s = 0; s < k; s++) {
        await sleep((i * 37 + s * 13) % 11);
        const slices = { nMels: 1, centres: [s], starts: [s], widths: [1], data: Float32Array.of(10 * i + s), slices: [] } as unknown as MelSlices;
        onPart({ first: s, sliceCount: k, slices });
        if (i % 7 === 3) {
          inFlight.now--;
          return { ok: false, file, error: `${file}: broken after its first part` };
        }
      }
      await sleep((i * 37) % 11);
      inFlight.now--;
      return { ok: true, file, sliceCount: k, seconds: i, channelCount: 2, decoder: 'wav', warnings: [] };
    },
  } as unknown as FrontEndPool;
}

describe('runEmbedPipeline', () => {
  it('commits every file exactly once, in input order, its parts assembled in order, batching across files', async () => {
    const batches: number[] = [];
    const model = {
      embeddingDim: 1,
      embedPrepared: async (clips: PreparedClip[]): Promise<EmbedResult[]> => {
        batches.push(clips.length);
        await sleep(3);
        return clips.map((c) => ({ embedding: null, timeline: Float32Array.from(c.slices.data), sliceCount: c.slices.widths.length, embeddingDim: 1, centres: c.slices.centres }));
      },
    } as unknown as MuleModel;
    const files = Array.from({ length: 40 }, (_, i) => `f${i}`);
    const committed: string[] = [];
    const inFlight = { now: 0, max: 0 };
    const times = await runEmbedPipeline(files, fakePool(inFlight), model, 4, async (index, outcome, result) => {
      expect(outcome.file).toBe(files[index]);
      committed.push(outcome.file);
      const i = Number(outcome.file.slice(1));
      const k = i % 5;
      if (i % 7 === 3 && k > 0) {
        expect(outcome.ok).toBe(false);
        expect(result).toBeNull();
        return;
      }
      expect(outcome.ok).toBe(true);
      expect(Array.from(result!.timeline)).toEqual(Array.from({ length: k }, (_, s) => 10 * i + s));
      expect(result!.centres).toEqual(Array.from({ length: k }, (_, s) => s));
      expect(result!.embedding ? result!.embedding[0] : null).toBe(k ? 10 * i + (k - 1) / 2 : null);
    });
    expect(committed).toEqual(files);
    expect(inFlight.max).toBeLessThanOrEqual(4);
    expect(inFlight.max).toBeGreaterThan(1);
    expect(batches.some((b) => b > 1)).toBe(true); // parts share backbone runs
    expect(times.backboneSeconds).toBeGreaterThan(0);
  });
});
