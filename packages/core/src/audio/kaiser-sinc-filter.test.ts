// The kaiser_best table against numpy/scipy (np.kaiser, np.sinc, scipy.special.i0) evaluated from the
// same figures, and against Debian's python3-resampy table (a rebuilt one, ~3.7e-7 away).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePythonLookup, findPython, makeTempDir, runPython } from '@mule-ts/test-utils';
import { isMuleError } from '../errors/mule-error.js';
import { besselI0 } from './bessel-i0.js';
import { KAISER_BEST } from '../frontend/frontend-params.js';
import { kaiserSincFilter, kaiserSincHalfWindow } from './kaiser-sinc-filter.js';

const scipyLookup = findPython(['numpy', 'scipy']);
if (!scipyLookup.python) console.warn(`skipping the numpy/scipy filter checks: no python3 with numpy and scipy (${describePythonLookup(scipyLookup)})`);
const resampyLookup = findPython(['numpy', 'resampy']);
if (!resampyLookup.python) console.warn(`skipping the Debian resampy table cross-check: no python3 with resampy (${describePythonLookup(resampyLookup)})`);

async function readFloat64(path: string): Promise<Float64Array> {
  const bytes = await readFile(path);
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('besselI0', () => {
  it('has the known values I0(0) = 1 and I0(1) = 1.2660658777520082', () => {
    expect(besselI0(0)).toBe(1);
    expect(Math.abs(besselI0(1) - 1.2660658777520082)).toBeLessThan(1e-15);
  });

  it.skipIf(!scipyLookup.python)('equals scipy.special.i0 to 4e-15 relative over [0, 20]', () => {
    const xs = Array.from({ length: 201 }, (_, i) => i / 10).concat([KAISER_BEST.beta, 1e-9]);
    const script = `
import json, sys
from scipy.special import i0
print(json.dumps([float(i0(x)) for x in json.loads(sys.argv[1])]))`;
    const expected = JSON.parse(runPython(scipyLookup.python!, script, [JSON.stringify(xs)])) as number[];
    let worst = 0;
    xs.forEach((x, i) => (worst = Math.max(worst, Math.abs(besselI0(x) / expected[i]! - 1))));
    console.log(`besselI0 vs scipy.special.i0: max relative difference ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(4e-15); // scipy's Cephes i0 is a Chebyshev fit, itself good to ~1e-15
  });
});

describe('kaiser_best table', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mule-kaiser-table-'));
  });
  afterAll(() => cleanup());

  it('has 50 * 8192 + 1 points, rolloff at 0, the window edge 1 / I0(beta) at the end, and is cached', () => {
    const filter = kaiserSincFilter(KAISER_BEST);
    expect(filter.halfWindow.length).toBe(409_601);
    expect(filter.precision).toBe(8192);
    expect(filter.halfWindow[0]).toBe(KAISER_BEST.rolloff);
    const u = 50 * KAISER_BEST.rolloff;
    const edge = (1 / besselI0(KAISER_BEST.beta)) * KAISER_BEST.rolloff * (Math.sin(Math.PI * u) / (Math.PI * u));
    expect(Math.abs(filter.halfWindow[409_600]! - edge)).toBeLessThan(1e-20);
    expect(kaiserSincFilter(KAISER_BEST)).toBe(filter);
  });

  it.skipIf(!scipyLookup.python)('matches np.kaiser(2n+1, beta)[n:] * rolloff * np.sinc(rolloff * linspace) to 1e-9', async () => {
    const script = `
import sys
import numpy as np
n = 50 * 8192
rolloff, beta = 0.9173473712608761, 12.984585309858513
table = np.kaiser(2 * n + 1, beta)[n:] * (rolloff * np.sinc(rolloff * np.linspace(0, 50, n + 1)))
table.astype('<f8').tofile(sys.argv[1])`;
    runPython(scipyLookup.python!, script, [join(dir, 'numpy-table.bin')]);
    const gap = maxAbsDiff(kaiserSincFilter(KAISER_BEST).halfWindow, await readFloat64(join(dir, 'numpy-table.bin')));
    console.log(`kaiser_best table vs numpy (np.kaiser * np.sinc): max-abs ${gap.toExponential(2)}`);
    expect(gap).toBeLessThanOrEqual(1e-9);
  });

  it.skipIf(!scipyLookup.python)('builds other tables too (kaiser_fast figures vs numpy with scipy i0)', async () => {
    const fast = { zeroCrossings: 24, precision: 512, rolloff: 0.868212, beta: 9.90322 };
    const script = `
import sys
import numpy as np
from scipy.special import i0
n = 24 * 512
r = np.arange(n + 1) / n
table = i0(9.90322 * np.sqrt(1 - r * r)) / i0(9.90322) * 0.868212 * np.sinc(0.868212 * np.arange(n + 1) / 512)
table.astype('<f8').tofile(sys.argv[1])`;
    runPython(scipyLookup.python!, script, [join(dir, 'fast-table.bin')]);
    const gap = maxAbsDiff(kaiserSincHalfWindow(fast), await readFloat64(join(dir, 'fast-table.bin')));
    expect(gap).toBeLessThanOrEqual(1e-12);
  });

  it.skipIf(!resampyLookup.python)("is within 1e-6 of Debian's rebuilt kaiser_best.npz (known gap ~3.7e-7, rolloff 0.917347)", async () => {
    const script = `
import os, sys
import numpy as np
import resampy
data = np.load(os.path.join(os.path.dirname(resampy.__file__), 'data', 'kaiser_best.npz'))
data['half_window'].astype('<f8').tofile(sys.argv[1])
print(int(data['precision']), float(data['rolloff']))`;
    const [precision, rolloff] = runPython(resampyLookup.python!, script, [join(dir, 'debian-table.bin')]).trim().split(' ').map(Number);
    const gap = maxAbsDiff(kaiserSincFilter(KAISER_BEST).halfWindow, await readFloat64(join(dir, 'debian-table.bin')));
    console.log(`kaiser_best table vs Debian python3-resampy (rolloff ${rolloff}): max-abs ${gap.toExponential(2)}`);
    expect(precision).toBe(KAISER_BEST.precision);
    expect(gap).toBeLessThan(1e-6);
  });

  it('refuses impossible figures', () => {
    for (const bad of [{ ...KAISER_BEST, rolloff: 0 }, { ...KAISER_BEST, precision: 0.5 }, { ...KAISER_BEST, beta: Number.NaN }]) {
      let caught: unknown;
      try {
        kaiserSincHalfWindow(bad);
      } catch (e) {
        caught = e;
      }
      expect(isMuleError(caught) && caught.code).toBe('INVALID_INPUT');
    }
  });
});
