/**
 * The runtime API end to end on converted artifacts of the small generated model: what `embed`
 * returns for clips of every length class, batching, options, and load-time checks. (Numerical
 * parity against the independent reference is proven in parity/onnx-stages.test.ts.)
 */
import { MuleError } from '@mule-ts/core';
import { createHash } from 'node:crypto';
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
    // These tests are about what embed returns; the verification gate has tests of its own
    // (verification/verified-consumption.test.ts).
    model = await MuleModel.load(dir, { batchSize: 4, requireVerified: false, onWarning: () => undefined });
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
    const unchecked = await MuleModel.load(copy, { verifyChecksums: false, requireVerified: false, onWarning: () => undefined });
    await unchecked.close();
  });

  /** A copy of the artifacts whose config.json is changed by `edit`, with the manifest's entry updated to match. */
  async function withConfig(name: string, edit: (config: Record<string, Record<string, unknown>>) => void): Promise<string> {
    const copy = join(tmp.dir, name);
    await mkdir(copy);
    for (const f of ['backbone.onnx', 'config.json', 'manifest.json']) await copyFile(join(dir, f), join(copy, f));
    const config = JSON.parse(await readFile(join(copy, 'config.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    edit(config);
    const text = `${JSON.stringify(config, null, 2)}\n`;
    await writeFile(join(copy, 'config.json'), text);
    const manifest = JSON.parse(await readFile(join(copy, 'manifest.json'), 'utf8')) as { files: Record<string, { sha256: string; bytes: number }> };
    manifest.files['config.json'] = { sha256: createHash('sha256').update(text).digest('hex'), bytes: Buffer.byteLength(text) };
    await writeFile(join(copy, 'manifest.json'), JSON.stringify(manifest));
    return copy;
  }

  it('runs every stage with the parameters of config.json, not built-in ones', async () => {
    // slicing.hop 100 instead of upstream's 200: the 7 s clip gets centres every 100 frames
    const hop = await MuleModel.load(await withConfig('hop-100', (c) => (c.slicing!.hop = 100)), { requireVerified: false, onWarning: () => undefined });
    try {
      expect((await hop.embed(clip(7))).centres).toEqual([150, 200, 300, 400, 500, 551, 551]);
    } finally {
      await hop.close();
    }
    // the mel's log compression multiplier: a different log-mel, so different slices and embedding
    const multiplier = await MuleModel.load(
      await withConfig('multiplier', (c) => ((c.melFrontEnd!.compression as { multiplier: number }).multiplier = 100)),
      { requireVerified: false, onWarning: () => undefined },
    );
    try {
      const a = await model.embed(clip(7), { returnStages: true });
      const b = await multiplier.embed(clip(7), { returnStages: true });
      let melGap = 0;
      for (let i = 0; i < a.stages!.mel.data.length; i++) melGap = Math.max(melGap, Math.abs(a.stages!.mel.data[i]! - b.stages!.mel.data[i]!));
      expect(melGap).toBeGreaterThan(0.5); // log10(1e4 x + 1) vs log10(100 x + 1)
      expect(b.embedding).not.toEqual(a.embedding);
    } finally {
      await multiplier.close();
    }
  });

  it('refuses a config.json value it cannot honour, naming the field', async () => {
    const cases: Array<[string, (c: Record<string, Record<string, unknown>>) => void, string, RegExp]> = [
      ['window', (c) => (c.melFrontEnd!.window = 'hamming'), 'UNSUPPORTED', /melFrontEnd\.window must be "hann", found "hamming"/],
      ['mix', (c) => (c.decoding!.channelMix = 'mean'), 'UNSUPPORTED', /decoding\.channelMix must be "sum", found "mean"/],
      ['rate', (c) => (c.resampling!.targetRate = 22_050), 'MALFORMED_CONFIG', /melFrontEnd\.sampleRate must be 22050 to fit the stage it feeds, found 16000/],
      ['width', (c) => (c.slicing!.lookForward = 100), 'MALFORMED_CONFIG', /backbone\.input\.shape\[3\] must be 250 to fit the stage it feeds, found 300/],
      ['missing', (c) => delete c.resampling!.filter, 'MALFORMED_CONFIG', /resampling\.filter must be an object, found nothing/],
    ];
    for (const [name, edit, code, message] of cases) {
      const err = await MuleModel.load(await withConfig(`bad-${name}`, edit), { requireVerified: false, onWarning: () => undefined }).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(MuleError);
      expect({ code: (err as MuleError).code, message: (err as MuleError).message }, name).toMatchObject({ code, message: expect.stringMatching(message) });
      expect((err as MuleError).message).toContain('config.json');
    }
  });
});
