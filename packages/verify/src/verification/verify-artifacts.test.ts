// verifyArtifacts on converted small fixtures: the candidate runs with the artifacts' config.json,
// a complete failing run is recorded as such and decides the file, converting again keeps records.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseManifest, verificationStatus } from '@mule-ts/core';
import { convertKerasFile } from '@mule-ts/convert';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { MuleModel } from '@mule-ts/runtime';
import { describePythonLookup, findPython, makeTempDir } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, FP16_THRESHOLDS, resolveThresholds } from '../compare/index.js';
import { verifyArtifacts } from './verify-artifacts.js';

const lookup = findPython(['numpy', 'h5py']);
if (!lookup.python) console.warn(`skipping the verifyArtifacts runs: no python3 with numpy and h5py (${describePythonLookup(lookup)})`);

const readManifestAt = async (dir: string) => parseManifest(await readFile(join(dir, 'manifest.json'), 'utf8'), 'manifest.json');
const stageStatus = (stages: ReadonlyArray<{ stage: string; status: string }>) => Object.fromEntries(stages.map((s) => [s.stage, s.status]));

describe.skipIf(!lookup.python)('verifyArtifacts (small fixture, front end)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  const path = (...p: string[]): string => join(tmp.dir, ...p);

  beforeAll(async () => {
    tmp = await makeTempDir('mule-verify-artifacts-');
    await writeKerasFixture({ size: 'small', seed: 7, out: path('m.keras') });
    for (const dir of ['good', 'edited']) await convertKerasFile({ keras: path('m.keras'), outDir: path(dir), onnx: false });
  });
  afterAll(() => tmp?.cleanup());

  it("runs the candidate with the artifacts' config.json: a different resampler rolloff there fails at waveform, recorded as a failure", async () => {
    // What a converter writing another filter would produce: the config changed, the manifest agreeing with it.
    const config = JSON.parse(await readFile(path('edited', 'config.json'), 'utf8')) as { resampling: { filter: { rolloff: number } } };
    config.resampling.filter.rolloff = 0.85;
    const text = `${JSON.stringify(config, null, 2)}\n`;
    await writeFile(path('edited', 'config.json'), text);
    const manifest = JSON.parse(await readFile(path('edited', 'manifest.json'), 'utf8')) as { files: Record<string, { sha256: string; bytes: number }> };
    manifest.files['config.json'] = { sha256: createHash('sha256').update(text).digest('hex'), bytes: Buffer.byteLength(text) };
    await writeFile(path('edited', 'manifest.json'), JSON.stringify(manifest));

    const edited = await verifyArtifacts({ onnx: false, artifacts: path('edited'), runner: 'python', thresholds: resolveThresholds() });
    expect(stageStatus(edited.result.stages)).toMatchObject({ waveform: 'fail', mel: 'pass', slices: 'pass' });
    expect(edited.record).toMatchObject({ verdict: 'fail', source: null, files: { 'config.json': manifest.files['config.json']!.sha256 } });
    expect(verificationStatus(await readManifestAt(path('edited')), ['config.json'])).toMatchObject({ state: 'failed', reason: expect.stringMatching(/failed at waveform/) });

    const good = await verifyArtifacts({ onnx: false, artifacts: path('good'), runner: 'python', thresholds: resolveThresholds() });
    expect(good.result.verdict).toBe('pass');
    expect(good.reports?.json).toBe(path('good', 'parity.json'));
    expect(verificationStatus(await readManifestAt(path('good')), ['config.json'])).toMatchObject({ state: 'verified', record: { id: good.record!.id } });
  });

  it('converting again into the same directory keeps the records; they count only for unchanged bytes', async () => {
    const before = await readManifestAt(path('good'));
    expect(before.verification).toHaveLength(1);
    await convertKerasFile({ keras: path('m.keras'), outDir: path('good'), onnx: false });
    const after = await readManifestAt(path('good'));
    expect(after.verification).toEqual(before.verification);
    expect(after.createdAt).not.toBe(before.createdAt);
    expect(verificationStatus(after, ['config.json']).state).toBe('verified'); // the conversion is deterministic
  });
});

describe.skipIf(!lookup.python)('verifyArtifacts --precision fp16 (small fixture): the variant is verified on its own', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  const path = (...p: string[]): string => join(tmp.dir, ...p);

  beforeAll(async () => {
    tmp = await makeTempDir('mule-verify-fp16-');
    await writeKerasFixture({ size: 'small', seed: 5, out: path('m.keras') });
    await convertKerasFile({ keras: path('m.keras'), outDir: path('art'), variants: ['fp16'] });
  });
  afterAll(() => tmp?.cleanup());

  it('smaller (half the weight bytes; the small fixture is mostly graph); refused until verified; its record covers backbone-fp16.onnx and leaves backbone.onnx unverified', async () => {
    const manifest = await readManifestAt(path('art'));
    const fp32 = manifest.files['backbone.onnx']!.bytes;
    const fp16 = manifest.files['backbone-fp16.onnx']!.bytes;
    expect(fp16).toBeLessThan(fp32);
    await expect(MuleModel.load(path('art'), { precision: 'fp16' })).rejects.toThrow(/config\.json and backbone-fp16\.onnx have no passing verification record/);

    const outcome = await verifyArtifacts({ onnx: true, precision: 'fp16', artifacts: path('art'), runner: 'python', thresholds: resolveThresholds({}, 'fp16') });
    const stages = Object.fromEntries(outcome.result.stages.map((s) => [s.stage, s]));
    console.log(`fp16 variant, small fixture: backbone min row 1-cos ${(1 - stages.backbone!.metrics!.minRowCosine).toExponential(2)}, max-rel ${stages.backbone!.metrics!.maxRel.toExponential(2)}; embedding max-rel ${stages.embedding!.metrics!.maxRel.toExponential(2)}`);
    expect(outcome.result.verdict).toBe('pass');
    expect(outcome.result.precision).toBe('fp16');
    expect(stages.backbone!.threshold).toEqual(FP16_THRESHOLDS.backbone);
    expect(Object.keys(outcome.record!.files).sort()).toEqual(['backbone-fp16.onnx', 'config.json']);
    // float16 weights are not float32 ones: the variant is measurably different, and within its bounds
    expect(stages.backbone!.metrics!.maxRel).toBeGreaterThan(DEFAULT_THRESHOLDS.backbone.maxRel!);

    const model = await MuleModel.load(path('art'), { precision: 'fp16' });
    expect(model.precision).toBe('fp16');
    expect(model.verification.record?.id).toBe(outcome.record!.id);
    await model.close();
    await expect(MuleModel.load(path('art'))).rejects.toThrow(/backbone\.onnx has no passing verification record/);
  });
});
