// The .npy codec against numpy itself: numpy reads what we write, we read what numpy writes.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePythonLookup, findPython, makeTempDir, runPython } from '@mule-ts/test-utils';
import { decodeNpy, encodeNpy, ndarray, toNumbers, type NDArray } from './npy-codec.js';

const writeNpy = (path: string, array: NDArray): Promise<void> => writeFile(path, encodeNpy(array));
const readNpy = async (path: string): Promise<NDArray> => decodeNpy(await readFile(path), path);

const lookup = findPython(['numpy']);
if (!lookup.python) console.warn(`skipping the numpy cross-checks of the .npy codec: no python3 with numpy (${describePythonLookup(lookup)})`);

describe('.npy codec', () => {
  it('writes a version 1.0 header padded to 64 bytes', () => {
    const bytes = encodeNpy(ndarray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]));
    const headerLength = bytes[8]! + 256 * bytes[9]!;
    expect(bytes[6]).toBe(1);
    expect((10 + headerLength) % 64).toBe(0);
    expect(new TextDecoder('latin1').decode(bytes.subarray(10, 10 + headerLength))).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
  });

  it('refuses big-endian data, unknown dtypes and truncation', () => {
    const good = encodeNpy(ndarray(new Float64Array([1, 2]), [2]));
    const text = (b: Uint8Array): string => new TextDecoder('latin1').decode(b);
    const swap = (from: string, to: string): Uint8Array => Uint8Array.from(text(good).replace(from, to), (c) => c.charCodeAt(0));
    expect(() => decodeNpy(swap("'<f8'", "'>f8'"))).toThrow(/unsupported dtype '>f8'/);
    expect(() => decodeNpy(swap("'<f8'", "'<c8'"))).toThrow(/unsupported dtype/);
    expect(() => decodeNpy(good.subarray(0, good.length - 1), 'x.npy')).toThrow(/x.npy: truncated/);
    expect(() => decodeNpy(new Uint8Array(16))).toThrow(/bad magic/);
  });

  describe.skipIf(!lookup.python)('against numpy', () => {
    let dir = '';
    let cleanup = async (): Promise<void> => {};
    beforeAll(async () => {
      ({ dir, cleanup } = await makeTempDir('mule-verify-npy-'));
    });
    afterAll(() => cleanup());

    it('numpy reads our float64, float32, int32 and int64 files exactly', async () => {
      await writeNpy(join(dir, 'f8.npy'), ndarray(new Float64Array([0.1, -2.5e-300, Math.PI, 7]), [2, 2]));
      await writeNpy(join(dir, 'f4.npy'), ndarray(new Float32Array([1.5, -0.25, 3]), [3]));
      await writeNpy(join(dir, 'i4.npy'), ndarray(new Int32Array([-2147483648, 0, 2147483647]), [3, 1]));
      await writeNpy(join(dir, 'i8.npy'), ndarray(new BigInt64Array([-(2n ** 62n), 5n]), [2]));
      await writeNpy(join(dir, 'empty.npy'), ndarray(new Float32Array(0), [0, 96, 300]));
      const out = runPython(
        lookup.python!,
        `import json, sys, numpy as np
r = {}
for n in ["f8", "f4", "i4", "i8", "empty"]:
    a = np.load(sys.argv[1] + "/" + n + ".npy", allow_pickle=False)
    r[n] = {"dtype": a.dtype.str, "shape": list(a.shape), "values": [repr(v) for v in a.ravel().tolist()]}
print(json.dumps(r))`,
        [dir],
      );
      const r = JSON.parse(out) as Record<string, { dtype: string; shape: number[]; values: string[] }>;
      expect(r.f8).toEqual({ dtype: '<f8', shape: [2, 2], values: ['0.1', '-2.5e-300', '3.141592653589793', '7.0'] });
      expect(r.f4).toEqual({ dtype: '<f4', shape: [3], values: ['1.5', '-0.25', '3.0'] });
      expect(r.i4).toEqual({ dtype: '<i4', shape: [3, 1], values: ['-2147483648', '0', '2147483647'] });
      expect(r.i8).toEqual({ dtype: '<i8', shape: [2], values: [String(-(2n ** 62n)), '5'] });
      expect(r.empty).toEqual({ dtype: '<f4', shape: [0, 96, 300], values: [] });
    });

    it("reads numpy's files, format 1.0 and 2.0", async () => {
      runPython(
        lookup.python!,
        `import sys, numpy as np
from numpy.lib import format as f
d = sys.argv[1]
np.save(d + "/a.npy", np.arange(6, dtype=np.int64).reshape(3, 2) - 2)
np.save(d + "/b.npy", np.array([0.5, -1e-10], dtype=np.float32))
np.save(d + "/f.npy", np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4)))
with open(d + "/c.npy", "wb") as fh:
    f.write_array(fh, np.linspace(0, 1, 5), version=(2, 0))`,
        [dir],
      );
      const a = await readNpy(join(dir, 'a.npy'));
      expect(a.shape).toEqual([3, 2]);
      expect(Array.from(a.data as BigInt64Array)).toEqual([-2n, -1n, 0n, 1n, 2n, 3n]);
      const b = await readNpy(join(dir, 'b.npy'));
      expect(b.data).toEqual(new Float32Array([0.5, -1e-10]));
      const c = await readNpy(join(dir, 'c.npy'));
      expect((await readFile(join(dir, 'c.npy')))[6]).toBe(2);
      expect(Array.from(toNumbers(c))).toEqual([0, 0.25, 0.5, 0.75, 1]);
      // numpy writes a Fortran-ordered array as fortran_order True: read back in C order, values in place
      const f = await readNpy(join(dir, 'f.npy'));
      expect(new TextDecoder('latin1').decode((await readFile(join(dir, 'f.npy'))).subarray(0, 80))).toMatch(/'fortran_order': True/);
      expect(f.shape).toEqual([2, 3, 4]);
      expect(Array.from(f.data as Float32Array)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    });
  });
});
