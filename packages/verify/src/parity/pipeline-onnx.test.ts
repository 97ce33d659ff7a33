// pipeline.onnx (the whole pipeline in one ONNX graph, float32) against the runtime's path (the
// TypeScript front-end in float64, then backbone.onnx) on a small converted fixture: the same slice
// count and the same embeddings for clips that exercise every slicing rule: no slice (1.5 s), the
// narrow slice (2.5 s), full slices with the clamped last centre (7 s), and the chunk quirk (85 s:
// frame 8000 is never a centre). verify --pipeline then records a pass for pipeline.onnx.
import { join } from 'node:path';
import { convertKerasFile } from '@mule-ts/convert';
import { resampleForModel, MULE_RESAMPLING } from '@mule-ts/core';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { MuleModel } from '@mule-ts/runtime';
import { describePythonLookup, findPython, makeTempDir } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareArrays, resolveThresholds } from '../compare/index.js';
import { verifyArtifacts } from '../verification/index.js';
import { loadPipelineCandidate } from './pipeline-candidate.js';
import { generateTestSignal, upstreamMono } from './test-signal.js';

const lookup = findPython(['numpy', 'h5py']);
if (!lookup.python) console.warn(`skipping verify --pipeline: no python3 with numpy and h5py (${describePythonLookup(lookup)})`);

describe('pipeline.onnx (small fixture)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  const path = (...p: string[]): string => join(tmp.dir, ...p);
  beforeAll(async () => {
    tmp = await makeTempDir('mule-pipeline-');
    await writeKerasFixture({ size: 'small', seed: 6, out: path('m.keras') });
    await convertKerasFile({ keras: path('m.keras'), outDir: path('art'), variants: ['pipeline'] });
  }, 60_000);
  afterAll(() => tmp?.cleanup());

  it.each([
    [1.5, 0],
    [2.5, 1],
    [7, 3],
    [85, 41],
  ])('a %s s clip: %i slice(s), the same timeline and embedding as the runtime path', async (seconds, slices) => {
    const signal = generateTestSignal({ seconds, seed: Math.round(seconds * 10) });
    const waveform = resampleForModel(upstreamMono(signal), signal.sampleRate, MULE_RESAMPLING);
    const runtime = await MuleModel.load(path('art'), { requireVerified: false, onWarning: () => undefined });
    const pipeline = await loadPipelineCandidate(path('art'));
    try {
      const want = await runtime.embed(waveform);
      const got = await pipeline.embed(waveform);
      expect(got.sliceCount).toBe(slices);
      expect(want.sliceCount).toBe(slices);
      if (slices === 0) {
        expect(got.embedding).toBeNull();
        return;
      }
      const timeline = compareArrays(got.timeline, want.timeline, slices);
      const clip = compareArrays(got.embedding!, want.embedding!, 1);
      console.log(`${seconds} s: pipeline.onnx vs runtime path: per-slice 1-cos ${(1 - timeline.minRowCosine).toExponential(2)}, max-rel ${timeline.maxRel.toExponential(2)}; clip 1-cos ${(1 - clip.cosine).toExponential(2)}`);
      expect(timeline.minRowCosine).toBeGreaterThanOrEqual(0.9999999);
      expect(timeline.maxRel).toBeLessThan(1e-5);
      expect(clip.cosine).toBeGreaterThanOrEqual(0.9999999);
    } finally {
      await runtime.close();
      await pipeline.close();
    }
  }, 60_000);

  it('the clip of 1.5 s: the file itself gives an empty timeline and a NaN embedding', async () => {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(path('art', 'pipeline.onnx'));
    const out = await session.run({ waveform: new ort.Tensor('float32', new Float32Array(24_000).fill(0.01), [1, 24_000]) });
    expect(out.timeline!.dims).toEqual([0, out.embedding!.dims[0]]);
    expect(Number.isNaN((out.embedding!.data as Float32Array)[0])).toBe(true);
    await session.release();
  });

  it.skipIf(!lookup.python)('verify --pipeline: timeline and embedding end to end against the float64 reference, recorded for pipeline.onnx', async () => {
    const outcome = await verifyArtifacts({ onnx: true, pipelineOnnx: true, artifacts: path('art'), runner: 'python', thresholds: resolveThresholds() });
    const status = Object.fromEntries(outcome.result.stages.map((s) => [s.stage, s.status]));
    expect(status).toEqual({ waveform: 'pass', mel: 'pass', slices: 'pass', backbone: 'not-requested', timeline: 'pass', embedding: 'pass' });
    expect(Object.keys(outcome.record!.files).sort()).toEqual(['config.json', 'pipeline.onnx']);
    await expect(verifyArtifacts({ onnx: true, pipelineOnnx: true, precision: 'int8', artifacts: path('art'), runner: 'python', thresholds: resolveThresholds() })).rejects.toThrow(/in float32/);
  }, 120_000);
});
