import { MULE_F0_PARAMETER_COUNT } from '@mule-ts/core';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describePythonLookup, findPython, makeTempDir, runPython } from '@mule-ts/test-utils';
import { describe, expect, it } from 'vitest';
import { writeKerasFixture } from './write-keras.js';

/** Size of the released `supporting_data/model/model.keras` (Git LFS pointer, KERAS_FORMAT §8). */
const REAL_MODEL_BYTES = 251_054_764;

const lookup = findPython(['numpy', 'h5py']);
const python = lookup.python;

describe('full-size fixture', () => {
  it('has the released parameter count and nearly the released file size', { timeout: 600_000 }, async (ctx) => {
    if (!python) {
      console.warn(`skipped: no python3 with numpy+h5py (${describePythonLookup(lookup)})`);
      return ctx.skip();
    }
    const tmp = await makeTempDir();
    try {
      const out = join(tmp.dir, 'full.keras');
      const started = performance.now();
      const result = await writeKerasFixture({ size: 'full', seed: 1, out });
      const seconds = (performance.now() - started) / 1000;
      const params = Number(
        runPython(
          python,
          `
import h5py, io, sys, zipfile
import numpy as np
z = zipfile.ZipFile(sys.argv[1])
h5 = h5py.File(io.BytesIO(z.read('model.weights.h5')), 'r')
total = []
h5.visititems(lambda n, o: total.append(int(np.prod(o.shape))) if isinstance(o, h5py.Dataset) else None)
print(sum(total))
`,
          [out],
        ).trim(),
      );
      const bytes = (await stat(out)).size;
      const delta = bytes - REAL_MODEL_BYTES;
      console.log(
        `full fixture: ${params.toLocaleString('en-US')} parameters, ${bytes.toLocaleString('en-US')} bytes ` +
          `(real model.keras ${REAL_MODEL_BYTES.toLocaleString('en-US')}, delta ${delta >= 0 ? '+' : ''}${delta}), written in ${seconds.toFixed(1)} s`,
      );
      expect(params).toBe(MULE_F0_PARAMETER_COUNT);
      expect(result.bytes).toBe(bytes);
      expect(Math.abs(delta)).toBeLessThanOrEqual(1500);
    } finally {
      await tmp.cleanup();
    }
  });
});
