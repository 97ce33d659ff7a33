/**
 * The runtime API end to end on converted artifacts of the small generated model: what `embed`
 * returns for clips of every length class, batching, options, and load-time checks. (Numerical
 * parity against the independent reference is proven in parity/onnx-stages.test.ts.)
 */
import { MuleError } from '@mule-ts/core';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { convertKerasFile } from '@mule-ts/convert';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { MuleModel } from '@mule-ts/runtime';
import { makeTempDir } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestSignal, upstreamMono } from '../parity/test-signal.js';

const SR = 16_000;

function clip(seconds: number, seed = 1): Float32Array {
  return upstreamMono(generateTestSignal({ seconds, sampleRate: SR, seed }));
}

describe('MuleModel on the small converted fixture', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let dir: string;
  let model: MuleModel;

  beforeAll(async () => {
    tmp = await makeTempDir('mule-runtime-e2e-');
    const keras = join(tmp.dir, 'small.keras');
    await writeKerasFixture({ size: 'small', seed: 5, out: keras });
    dir = join(tmp.dir, 'art');
    await convertKerasFile({ keras, outDir: dir });
    model = await MuleModel.load(dir, { batchSize: 4 });
  });
  afterAll(async () => {
    await model?.close();
    await tmp?.cleanup();
  });

  it('embeds a 7 s clip: 3 slices at the upstream centres, the clip embedding is their mean', async () => {
    const r = await model.embed(clip(7), { returnStages: true });
    expect(r.centres).toEqual([200, 400, 551]);
    expect(r.sliceCount).toBe(3);
    expect(r.embeddingDim).toBe(36);
    expect(r.timeline.length).toBe(3 * 36);
    for (let j = 0; j < 36; j++) {
      const mean = (r.timeline[j]! + r.timeline[36 + j]! + r.timeline[72 + j]!) / 3;
      expect(r.embedding![j]).toBeCloseTo(mean, 6);
    }
    expect(r.stages!.mel.frames).toBe(701);
    expect(r.stages!.slices.widths).toEqual([300, 300, 300]);
  });

  it('packs slices of many clips into shared batches with the same results as one by one', async () => {
    const clips = [clip(7, 1), clip(6, 2), clip(3.2, 3), clip(12, 4)];
    const batch = await model.embedBatch(clips);
    for (const [i, c] of clips.entries()) {
      const one = await model.embed(c);
      expect(batch[i]!.centres).toEqual(one.centres);
      let diff = 0;
      for (let k = 0; k < one.timeline.length; k++) diff = Math.max(diff, Math.abs(batch[i]!.timeline[k]! - one.timeline[k]!));
      expect(diff).toBeLessThan(1e-6);
    }
  });

  it('is faithful to upstream for short clips by default, and pads on request', async () => {
    const narrow = await model.embed(clip(2.5));
    expect(narrow.sliceCount).toBe(1);
    expect(narrow.centres).toEqual([101]);
    expect(narrow.embedding!.every(Number.isFinite)).toBe(true);
    const none = await model.embed(clip(1.5));
    expect(none.sliceCount).toBe(0);
    expect(none.embedding).toBeNull();
    const padded = await model.embed(clip(1.5), { shortClip: 'pad' });
    expect(padded.sliceCount).toBe(1);
    expect(padded.embedding!.every(Number.isFinite)).toBe(true);
  });

  it('refuses empty, non-finite and wrongly typed input with a clear error', async () => {
    await expect(model.embed(new Float32Array(0))).rejects.toThrow(/waveform: the waveform is empty/);
    const bad = clip(3);
    bad[1234] = Number.NaN;
    await expect(model.embed(bad)).rejects.toThrow(/sample 1234 is NaN/);
    await expect(model.embed([0, 1] as unknown as Float32Array)).rejects.toThrow(/Float32Array or Float64Array/);
  });

  it('refuses artifacts whose checksum changed, unless checks are turned off', async () => {
    const copy = join(tmp.dir, 'tampered');
    await mkdir(copy);
    for (const f of ['model.safetensors', 'backbone.onnx', 'config.json', 'manifest.json']) await copyFile(join(dir, f), join(copy, f));
    const cfg = JSON.parse(await readFile(join(copy, 'config.json'), 'utf8')) as Record<string, unknown>;
    cfg.note = 'edited';
    await writeFile(join(copy, 'config.json'), JSON.stringify(cfg));
    const err = await MuleModel.load(copy).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MuleError);
    expect((err as MuleError).code).toBe('CHECKSUM_MISMATCH');
    expect((err as MuleError).message).toContain('config.json');
    const unchecked = await MuleModel.load(copy, { verifyChecksums: false });
    await unchecked.close();
  });
});
