/**
 * Exports the full-size generated fixture (62,345,742 parameters, random weights) once: the file
 * size, that onnxruntime loads it and runs N = 2, and the throughput on this machine (printed,
 * not asserted). Large files are deleted at the end.
 */
import { MULE_F0_PARAMETER_COUNT } from '@mule-ts/core';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { makeTempDir } from '@mule-ts/test-utils';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { openKerasFile } from '../keras/index.js';
import { buildCanonicalCheckpoint, recogniseSfNfNet } from '../recognise/index.js';
import { writeBackboneOnnx } from './export-backbone.js';

async function slicesPerSecond(session: ort.InferenceSession, batch: number, seconds: number): Promise<number> {
  const input = new ort.Tensor('float32', new Float32Array(batch * 96 * 300).map((_, i) => Math.sin(i * 0.01)), [batch, 1, 96, 300]);
  await session.run({ mel_slices: input }); // warm-up
  let runs = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000 || runs < 2) {
    await session.run({ mel_slices: input });
    runs++;
  }
  return (runs * batch) / ((performance.now() - started) / 1000);
}

describe('full-size backbone export', () => {
  it('writes backbone.onnx that onnxruntime loads and runs: (2, 1728)', { timeout: 900_000 }, async () => {
    const tmp = await makeTempDir();
    try {
      const kerasFile = join(tmp.dir, 'full.keras');
      await writeKerasFixture({ size: 'full', seed: 1, out: kerasFile });
      const model = await openKerasFile(kerasFile);
      const checkpoint = buildCanonicalCheckpoint(model, recogniseSfNfNet(model));
      expect(checkpoint.parameterCount).toBe(MULE_F0_PARAMETER_COUNT);
      const byName = new Map(checkpoint.tensors.map((t) => [t.name, t]));
      const onnxFile = join(tmp.dir, 'backbone.onnx');
      const started = performance.now();
      const written = await writeBackboneOnnx(onnxFile, checkpoint.spec, (name) => byName.get(name)!.read(), { source: kerasFile });
      const exportSeconds = (performance.now() - started) / 1000;
      const bytes = (await stat(onnxFile)).size;
      expect(bytes).toBe(written.byteLength);
      // 4 bytes per parameter, less the dropped gains, plus the graph: within 1% of 4 × 62.3M
      expect(Math.abs(bytes - 4 * MULE_F0_PARAMETER_COUNT) / (4 * MULE_F0_PARAMETER_COUNT)).toBeLessThan(0.01);
      console.log(`full backbone.onnx: ${bytes} bytes, ${written.nodeCount} nodes, ${written.initializerCount} initializers, exported in ${exportSeconds.toFixed(1)} s`);

      const session = await ort.InferenceSession.create(onnxFile);
      try {
        const x = new Float32Array(2 * 96 * 300).map((_, i) => Math.cos(i * 0.003) * (i < 96 * 300 ? 1 : -0.5));
        const out = (await session.run({ mel_slices: new ort.Tensor('float32', x, [2, 1, 96, 300]) })).embedding!;
        expect([...out.dims]).toEqual([2, 1728]);
        const data = out.data as Float32Array;
        expect(data.every(Number.isFinite)).toBe(true);
        let differs = 0;
        for (let i = 0; i < 1728; i++) differs = Math.max(differs, Math.abs(data[i]! - data[1728 + i]!));
        expect(differs).toBeGreaterThan(0);
        const perSecond1 = await slicesPerSecond(session, 1, 5);
        const perSecond8 = await slicesPerSecond(session, 8, 5);
        console.log(`onnxruntime-node CPU throughput on this machine: batch 1 ${perSecond1.toFixed(1)} slices/s, batch 8 ${perSecond8.toFixed(1)} slices/s`);
      } finally {
        await session.release();
      }
    } finally {
      await tmp.cleanup();
    }
  });
});
