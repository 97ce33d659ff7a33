import { MuleError } from '@mule-ts/core';
import { join } from 'node:path';
import { describePythonLookup, findPython, makeTempDir, runPython } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSafetensors } from './safetensors-file.js';

const lookup = findPython(['numpy']);
if (!lookup.python) console.warn(`skipping the Python-written safetensors test: no python3 with numpy (${describePythonLookup(lookup)})`);

/** An independent writer: struct + json + numpy, with json.dumps's default spacing and no padding. */
const PYTHON_WRITER = `
import json, struct, sys
import numpy as np
tensors = {
    "grid": np.arange(12, dtype="<f4").reshape(3, 4) * 0.5 - 1,
    "scalar": np.array(-2.25, dtype="<f4"),
    "empty": np.zeros((2, 0), dtype="<f4"),
    "ids": np.array([1, -2, 2**40, 0, 7], dtype="<i8"),
    "half": np.array([1.0, -2.0, 0.5], dtype="<f2"),
}
header = {"__metadata__": {"writer": "numpy"}}
offset = 0
for name, a in tensors.items():
    header[name] = {"dtype": {"<f4": "F32", "<i8": "I64", "<f2": "F16"}[a.dtype.str], "shape": list(a.shape),
                    "data_offsets": [offset, offset + a.nbytes]}
    offset += a.nbytes
text = json.dumps(header).encode("utf-8")
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(text)))
    f.write(text)
    for a in tensors.values():
        f.write(a.tobytes())
`;

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await makeTempDir()));
afterAll(() => cleanup());

describe.skipIf(!lookup.python)('openSafetensors on a file written by numpy', () => {
  it('reads every tensor, in header order, by positioned reads', () => {
    const file = join(dir, 'numpy.safetensors');
    runPython(lookup.python as string, PYTHON_WRITER, [file]);
    const st = openSafetensors(file);
    try {
      expect(st.tensorNames).toEqual(['grid', 'scalar', 'empty', 'ids', 'half']);
      expect(st.metadata).toEqual({ writer: 'numpy' });
      expect(Array.from(st.readTensor('grid'))).toEqual(Array.from({ length: 12 }, (_, i) => i * 0.5 - 1));
      expect(Array.from(st.readTensor('scalar'))).toEqual([-2.25]);
      expect(st.readTensor('empty')).toHaveLength(0);
      expect(st.tensorInfo('empty')).toMatchObject({ shape: [2, 0], dataOffsets: [52, 52] });
      const ids = st.readTensorBytes('ids');
      expect(Array.from(new BigInt64Array(ids.buffer, ids.byteOffset, 5))).toEqual([1n, -2n, 2n ** 40n, 0n, 7n]);
      expect(Array.from(st.readTensorBytes('half'))).toEqual([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38]);
      expect(() => st.readTensor('ids')).toThrow(expect.objectContaining({ code: 'WRONG_DTYPE', message: expect.stringContaining(file) }));
      expect(() => st.readTensor('nope')).toThrow(expect.objectContaining({ code: 'MISSING_WEIGHT', message: `${file}: no tensor named nope` }));
    } finally {
      st.close();
    }
    expect(() => st.readTensor('grid')).toThrow(expect.objectContaining({ code: 'IO', message: expect.stringMatching(/closed/) }));
  });
});

describe('openSafetensors errors', () => {
  it('names a file that cannot be opened', () => {
    const file = join(dir, 'absent.safetensors');
    expect(() => openSafetensors(file)).toThrow(MuleError);
    expect(() => openSafetensors(file)).toThrow(expect.objectContaining({ code: 'IO', details: expect.objectContaining({ file }) }));
  });
});
