/**
 * verify --reference against genuine upstream outputs: the five cases of
 * ../shared/reference/upstream-goldens (front-end by the unmodified upstream code; per-slice
 * embeddings by the community PyTorch port in float64 on the seed-1 full fixture). The fixture is
 * generated here and its weights fingerprint checked against the one index.json records before
 * any embedding is compared. Then every case must pass every stage (decoding exactly), and
 * sabotaged copies of a case must fail first at the stage whose array was changed.
 */
import { copyFile, cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { convertKerasFile, openSafetensors } from '@mule-ts/convert';
import { encodeNpy, logMelSpectrogram, MULE_FRONT_END, parseManifest, verificationStatus } from '@mule-ts/core';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { findFfmpeg } from '@mule-ts/runtime';
import { makeTempDir, sha256OfFile, upstreamGoldensDir } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveThresholds } from '../compare/index.js';
import { readNpy } from '../npy/index.js';
import type { ParityResult } from '../parity/index.js';
import { verifyArtifacts } from '../verification/index.js';

const goldens = upstreamGoldensDir();
const ffmpeg = findFfmpeg();
if (!goldens) console.warn('skipping verify --reference on the upstream goldens: ../shared/reference/upstream-goldens is absent (or set MULE_UPSTREAM_GOLDENS)');
if (!ffmpeg) console.warn('skipping verify --reference on the upstream goldens: ffmpeg is not on PATH (apt-get install ffmpeg)');

interface GoldenIndex {
  model_fixture: string;
  weights_fingerprint: { datasets: number; parameters: number; sum: number; sum_of_squares: number };
  cases: Record<string, { audio: string; slices: number }>;
}
const index: GoldenIndex | null = goldens ? (JSON.parse(await readFile(join(goldens, 'index.json'), 'utf8')) as GoldenIndex) : null;
const cases = index ? Object.entries(index.cases) : [];

const statuses = (result: ParityResult): Record<string, string> => Object.fromEntries(result.stages.map((s) => [s.stage, s.status]));
const firstFailure = (result: ParityResult): string | undefined => result.stages.find((s) => s.status === 'fail' || s.status === 'not-run')?.stage;

describe.skipIf(!goldens || !ffmpeg)('verify --reference on the genuine upstream goldens (seed-1 full fixture)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  const path = (...p: string[]): string => join(tmp.dir, ...p);
  const verify = (reference: string, onnx = true, pipelineOnnx = false) =>
    verifyArtifacts({ onnx, reference, artifacts: path('artifacts'), runner: 'python', thresholds: resolveThresholds(), out: path('reports'), ...(pipelineOnnx ? { pipelineOnnx } : {}) });

  beforeAll(async () => {
    tmp = await makeTempDir('mule-upstream-goldens-');
    await writeKerasFixture({ size: 'full', seed: 1, out: path('fixture.keras') });
    await convertKerasFile({ keras: path('fixture.keras'), outDir: path('artifacts'), variants: ['pipeline'] });
    await rm(path('fixture.keras')); // a full-size model: keep only the converted copy
  }, 180_000);
  afterAll(() => tmp?.cleanup());

  it("the generated fixture is the one the goldens' embeddings were made with (weights fingerprint)", () => {
    // Over the converted weights: every dataset of the Keras file, same values. Sums in float64 in
    // another order than numpy's pairwise sum, hence a relative tolerance far below any change.
    const weights = openSafetensors(path('artifacts', 'model.safetensors'));
    let parameters = 0;
    let sum = 0;
    let sumOfSquares = 0;
    try {
      for (const name of weights.tensorNames) {
        const values = weights.readTensor(name);
        parameters += values.length;
        for (const v of values) {
          sum += v;
          sumOfSquares += v * v;
        }
      }
    } finally {
      weights.close();
    }
    const want = index!.weights_fingerprint;
    expect(weights.tensorNames.length).toBe(want.datasets);
    expect(parameters).toBe(want.parameters);
    expect(Math.abs(sum - want.sum) / Math.abs(want.sum)).toBeLessThan(1e-9);
    expect(Math.abs(sumOfSquares - want.sum_of_squares) / want.sum_of_squares).toBeLessThan(1e-9);
  });

  it.each(cases)('%s: every stage passes, decoding exactly; recorded against the dump', async (name, { slices }) => {
    const outcome = await verify(join(goldens!, name));
    const summary = outcome.result.stages.map((s) => `${s.stage} ${s.status}${s.metrics ? ` max-abs ${s.metrics.maxAbs.toExponential(2)} 1-cos ${(1 - s.metrics.minRowCosine).toExponential(1)}` : ''}`);
    console.log(`${name} (${slices} slices): ${summary.join('; ')}`);
    expect(statuses(outcome.result)).toEqual({ decoding: 'pass', waveform: 'pass', mel: 'pass', slices: 'pass', backbone: 'pass', timeline: 'pass', embedding: 'pass' });
    const decoding = outcome.result.stages.find((s) => s.stage === 'decoding')!;
    expect(decoding.metrics?.maxAbs).toBe(0);
    const backbone = outcome.result.stages.find((s) => s.stage === 'backbone')!;
    expect(backbone.referenceShape).toEqual(slices > 0 ? [slices, 1728] : [0]);
    if (slices > 0) expect(outcome.result.stages.find((s) => s.stage === 'embedding')!.metrics!.cosine).toBeGreaterThanOrEqual(0.999999);
    expect(outcome.record).toMatchObject({
      verdict: 'pass',
      source: null,
      reference: { runner: 'upstream-dump' },
      upstreamDump: { descriptor: join(goldens!, name, 'info.json'), sha256: await sha256OfFile(join(goldens!, name, 'info.json')), audioSha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    const manifest = parseManifest(await readFile(path('artifacts', 'manifest.json'), 'utf8'), 'manifest.json');
    expect(verificationStatus(manifest, ['config.json', 'backbone.onnx'])).toMatchObject({ state: 'verified', record: { id: outcome.record!.id } });
  });

  it.each(cases)('%s: pipeline.onnx (the whole pipeline, float32) gives upstream\'s timeline and clip embedding', async (name, { slices }) => {
    const outcome = await verify(join(goldens!, name), true, true);
    const timeline = outcome.result.stages.find((s) => s.stage === 'timeline')!;
    console.log(`${name} pipeline.onnx: ${outcome.result.stages.map((s) => `${s.stage} ${s.status}`).join('; ')}${timeline.metrics ? `; timeline max-rel ${timeline.metrics.maxRel.toExponential(2)}` : ''}`);
    expect(statuses(outcome.result)).toEqual({ decoding: 'pass', waveform: 'pass', mel: 'pass', slices: 'pass', backbone: 'not-requested', timeline: 'pass', embedding: 'pass' });
    expect(timeline.candidateShape).toEqual(slices > 0 ? [1728, slices] : [0]);
    expect(Object.keys(outcome.record!.files).sort()).toEqual(['config.json', 'pipeline.onnx']);
  });

  describe('a sabotaged copy of u7 fails first at the stage that was changed', () => {
    const sabotage = async (label: string, change: (dir: string) => Promise<void>): Promise<ParityResult> => {
      const dir = path('sabotaged', label);
      await cp(join(goldens!, 'u7'), dir, { recursive: true });
      await change(dir);
      return (await verify(dir)).result;
    };
    const npy = (dir: string, name: string) => readNpy(join(dir, `${name}.npy`));

    it('a waveform shifted by one sample: waveform', async () => {
      const result = await sabotage('shifted-waveform', async (dir) => {
        const w = await npy(dir, 'waveform');
        const shifted = new Float32Array(w.data.length);
        shifted.set((w.data as Float32Array).subarray(0, -1), 1);
        await writeFile(join(dir, 'waveform.npy'), encodeNpy({ data: shifted, shape: w.shape }));
      });
      expect(statuses(result)).toMatchObject({ decoding: 'pass', waveform: 'fail' });
      expect(firstFailure(result)).toBe('waveform');
    });

    it('a mel made with another window (Hann of 512 samples, not 400): mel', async () => {
      const result = await sabotage('other-window', async (dir) => {
        const w = await npy(dir, 'waveform');
        const mel = logMelSpectrogram(w.data as Float32Array, { ...MULE_FRONT_END.melFrontEnd, winLength: 512 });
        await writeFile(join(dir, 'mel.npy'), encodeNpy({ data: mel.data, shape: [mel.nMels, mel.frames] }));
      });
      expect(statuses(result)).toMatchObject({ decoding: 'pass', waveform: 'pass', mel: 'fail' });
      expect(firstFailure(result)).toBe('mel');
    });

    it('the slices in another order: slices', async () => {
      const result = await sabotage('reordered-slices', async (dir) => {
        const s = await npy(dir, 'slices');
        const [k, bins, width] = s.shape as [number, number, number];
        const per = bins * width;
        const reordered = new Float32Array(s.data.length);
        for (let i = 0; i < k; i++) reordered.set((s.data as Float32Array).subarray(i * per, (i + 1) * per), (k - 1 - i) * per);
        await writeFile(join(dir, 'slices.npy'), encodeNpy({ data: reordered, shape: s.shape }));
      });
      expect(statuses(result)).toMatchObject({ decoding: 'pass', waveform: 'pass', mel: 'pass', slices: 'fail' });
      expect(firstFailure(result)).toBe('slices');
    });

    it("another clip's per-slice embeddings: backbone; another clip's clip embedding: embedding alone", async () => {
      const foreignRows = await sabotage('foreign-embeddings', async (dir) => {
        const other = await readNpy(join(goldens!, 'u30', 'embeddings.npy'));
        const mine = await npy(dir, 'embeddings');
        await writeFile(join(dir, 'embeddings.npy'), encodeNpy({ data: (other.data as Float64Array).slice(0, mine.data.length), shape: mine.shape }));
      });
      expect(statuses(foreignRows)).toEqual({ decoding: 'pass', waveform: 'pass', mel: 'pass', slices: 'pass', backbone: 'fail', timeline: 'pass', embedding: 'pass' });

      const foreignClip = await sabotage('foreign-clip-embedding', async (dir) => {
        await copyFile(join(goldens!, 'u10_48k_mono', 'clip_embedding.npy'), join(dir, 'clip_embedding.npy'));
      });
      expect(statuses(foreignClip)).toEqual({ decoding: 'pass', waveform: 'pass', mel: 'pass', slices: 'pass', backbone: 'pass', timeline: 'pass', embedding: 'fail' });
    });
  });
});
