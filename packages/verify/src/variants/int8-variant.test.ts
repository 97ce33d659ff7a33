// writeInt8Variant on a converted small fixture: the candidates judged on held-out audio, the
// chosen one (the most int8 convs within the bounds) written with its manifest entry, every conv's drift reported; the runtime refuses the file
// until verify --precision int8 passes, and then runs it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { convertKerasFile } from '@mule-ts/convert';
import { parseManifest } from '@mule-ts/core';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { MuleModel } from '@mule-ts/runtime';
import { describePythonLookup, findPython, makeTempDir, sha256OfFile } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INT8_THRESHOLDS, resolveThresholds } from '../compare/index.js';
import { verifyArtifacts } from '../verification/index.js';
import { better, INT8_FILE_NAME, writeInt8Variant, type Int8Candidate } from './int8-variant.js';
import * as ort from 'onnxruntime-node';

/** Op types of a serialized ONNX model, counted from its NodeProto.op_type fields (tag 0x22, then a short name's length). */
function countOpTypes(bytes: Uint8Array): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + 2 < bytes.length; i++) {
    const length = bytes[i + 1]!;
    if (bytes[i] !== 0x22 || length < 2 || length > 32 || bytes[i + 2]! < 0x41 || bytes[i + 2]! > 0x5a) continue;
    const name = Buffer.from(bytes.subarray(i + 2, i + 2 + length)).toString('latin1');
    if (/^[A-Z][A-Za-z]+$/.test(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

const lookup = findPython(['numpy', 'h5py']);
if (!lookup.python) console.warn(`skipping the int8 verification: no python3 with numpy and h5py (${describePythonLookup(lookup)})`);

describe('the int8 candidate chosen', () => {
  const candidate = (quantizedConvs: number, minSliceCosine: number, clipCosine: number): Int8Candidate => ({
    label: `${quantizedConvs}`,
    method: 'min-max',
    floatConvs: [],
    quantizedConvs,
    minSliceCosine,
    clipCosine,
  });
  it('is within the int8 bounds if any is, then has the most int8 convs', () => {
    expect(better(candidate(60, 0.9999, 0.99992), candidate(112, 0.9997, 0.99977))).toBe(true); // the faster one is outside the clip bound
    expect(better(candidate(112, 0.9997, 0.99977), candidate(60, 0.9999, 0.99992))).toBe(false);
    expect(better(candidate(61, 0.9999, 0.99991), candidate(60, 0.9999, 0.99992))).toBe(true);
    expect(better(candidate(100, 0.9994, 0.99995), candidate(60, 0.9996, 0.99991))).toBe(false); // per-slice bound 0.9995
  });
  it('is the closest clip embedding when none is within the bounds', () => {
    expect(better(candidate(60, 0.99, 0.9990), candidate(120, 0.99, 0.9980))).toBe(true);
    expect(better(candidate(120, 0.99, 0.9980), candidate(60, 0.99, 0.9990))).toBe(false);
  });
});

describe('writeInt8Variant (small fixture)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  const path = (...p: string[]): string => join(tmp.dir, ...p);

  beforeAll(async () => {
    tmp = await makeTempDir('mule-int8-');
    await writeKerasFixture({ size: 'small', seed: 4, out: path('m.keras') });
    await convertKerasFile({ keras: path('m.keras'), outDir: path('art') });
  }, 60_000);
  afterAll(() => tmp?.cleanup());

  it('judges every candidate on held-out audio, writes the best with its manifest entry and reports per-conv drift', async () => {
    const messages: string[] = [];
    const summary = await writeInt8Variant({ artifacts: path('art'), onProgress: (m) => messages.push(m) });
    expect(summary.file).toBe(path('art', INT8_FILE_NAME));
    expect(summary.candidates.map((c) => c.label)).toContain(summary.chosen.label);
    for (const c of summary.candidates) expect(better(c, summary.chosen)).toBe(false);
    expect(summary.quantizedConvs).toBe(summary.chosen.quantizedConvs);
    for (const c of summary.candidates) {
      expect(c.minSliceCosine).toBeGreaterThan(0.9);
      expect(c.minSliceCosine).toBeLessThan(1); // quantized: not the fp32 output
    }
    const drifts = summary.layerDrift.map((d) => d.relativeRms);
    expect(drifts).toEqual([...drifts].sort((a, b) => b - a));
    expect(summary.layerDrift.length).toBeGreaterThan(summary.quantizedConvs - 1);
    expect(messages.some((m) => /held-out per-slice cosine/.test(m))).toBe(true);

    const manifest = parseManifest(await readFile(path('art', 'manifest.json'), 'utf8'), 'manifest.json');
    expect(manifest.files[INT8_FILE_NAME]).toEqual({ sha256: await sha256OfFile(summary.file), bytes: summary.bytes });
    await expect(MuleModel.load(path('art'), { precision: 'int8' })).rejects.toThrow(/backbone-int8\.onnx have no passing verification record/);

    // After onnxruntime's optimisations every GELU is one kernel: no erf pattern left between the
    // integer convs (ORT leaves it unfused behind a DequantizeLinear, so the file uses its Gelu op).
    const optimized = path('int8-optimized.onnx');
    await (await ort.InferenceSession.create(summary.file, { graphOptimizationLevel: 'all', optimizedModelFilePath: optimized })).release();
    const opTypes = countOpTypes(await readFile(optimized));
    expect(opTypes.get('QLinearConv') ?? 0).toBe(summary.quantizedConvs);
    expect(opTypes.get('Gelu') ?? 0).toBeGreaterThan(0);
    expect([opTypes.get('Erf') ?? 0, opTypes.get('Div') ?? 0]).toEqual([0, 0]);
  }, 120_000);

  it.skipIf(!lookup.python)('verify --precision int8 judges it by its own thresholds and records it; the runtime then runs it', async () => {
    const outcome = await verifyArtifacts({ onnx: true, precision: 'int8', artifacts: path('art'), runner: 'python', thresholds: resolveThresholds({}, 'int8') });
    const stages = Object.fromEntries(outcome.result.stages.map((s) => [s.stage, s]));
    console.log(`int8 variant, small fixture, verify test signal: backbone min row cosine ${stages.backbone!.metrics!.minRowCosine.toFixed(6)}, clip cosine ${stages.embedding!.metrics!.cosine.toFixed(6)}`);
    expect(stages.backbone!.threshold).toEqual(INT8_THRESHOLDS.backbone);
    expect(Object.keys(outcome.record!.files).sort()).toEqual(['backbone-int8.onnx', 'config.json']);
    expect(outcome.result.verdict).toBe('pass');
    const model = await MuleModel.load(path('art'), { precision: 'int8' });
    expect(model.precision).toBe('int8');
    expect(model.verification.record?.id).toBe(outcome.record!.id);
    await model.close();
  }, 120_000);
});
