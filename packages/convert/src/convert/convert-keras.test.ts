import { MULE_F0_PARAMETER_COUNT, parseManifest, serializeSafetensorsHeader } from '@mule-ts/core';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openSafetensors, readSafetensorsHeader } from '../safetensors/index.js';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { describePythonLookup, findPython, makeTempDir, runPython, sha256OfFile } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertKerasFile } from './convert-keras.js';

const lookup = findPython(['numpy', 'h5py']);
if (!lookup.python) console.warn(`skipping the independent h5py checks: no python3 with numpy and h5py (${describePythonLookup(lookup)})`);

/**
 * Independent check, in Python with h5py and numpy only: every tensor in model.safetensors equals,
 * bit for bit, the HDF5 dataset it names as its source (after the documented transposition), every
 * layer dataset of the Keras file is used exactly once, and the parameter count.
 */
const CHECK_SCRIPT = String.raw`
import io, json, struct, sys, zipfile
import h5py, numpy as np
keras_path, st_path = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(keras_path) as z:
    h5 = h5py.File(io.BytesIO(z.read('model.weights.h5')), 'r')
raw = open(st_path, 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
meta = header.pop('__metadata__')
sources = json.loads(meta['source_paths'])
buf = raw[8 + n:]
layer_datasets = []
h5.visititems(lambda name, obj: layer_datasets.append(name) if isinstance(obj, h5py.Dataset) and name.split('/')[0] not in ('optimizer', 'metrics', 'vars') else None)
used, mismatches, params = {}, [], 0
for name, info in header.items():
    assert info['dtype'] == 'F32', name
    b, e = info['data_offsets']
    got = np.frombuffer(buf[b:e], dtype='<f4').reshape(info['shape'])
    src = np.asarray(h5[sources[name]][()], dtype='<f4')
    if src.ndim == 4: src = src.transpose(3, 2, 0, 1)
    elif src.ndim == 2: src = src.T
    if got.shape != src.shape or not np.array_equal(got.view('<u4'), src.copy(order='C').view('<u4')):
        mismatches.append(name)
    used[sources[name]] = used.get(sources[name], 0) + 1
    params += got.size
print(json.dumps({
    'tensors': len(header), 'params': params, 'mismatches': mismatches,
    'unused': [d for d in layer_datasets if d not in used],
    'reused': [d for d, c in used.items() if c != 1],
    'source_sha256': meta['source_sha256'],
}))
`;

interface PythonCheck {
  tensors: number;
  params: number;
  mismatches: string[];
  unused: string[];
  reused: string[];
  source_sha256: string;
}

async function convertAndCheck(size: 'small' | 'full', seed: number) {
  const tmp = await makeTempDir();
  try {
    const keras = join(tmp.dir, `m-${size}.keras`);
    await writeKerasFixture({ size, seed, out: keras });
    const outDir = join(tmp.dir, 'art');
    const summary = await convertKerasFile({ keras, outDir });
    const files = (await readdir(outDir)).sort();
    const st = join(outDir, 'model.safetensors');
    const check = lookup.python ? (JSON.parse(runPython(lookup.python, CHECK_SCRIPT, [keras, st])) as PythonCheck) : null;
    const header = await readSafetensorsHeader(st);
    const raw = await readFile(st);
    const headerBytes = raw.subarray(0, 8 + Number(raw.readBigUInt64LE(0)));
    return { summary, files, check, header, headerBytes, outDir, tmp };
  } catch (e) {
    await tmp.cleanup();
    throw e;
  }
}

describe('convertKerasFile on the small fixture', () => {
  let r: Awaited<ReturnType<typeof convertAndCheck>>;
  beforeAll(async () => {
    r = await convertAndCheck('small', 7);
  });
  afterAll(() => r?.tmp.cleanup());

  it('writes exactly the four artifacts', () => {
    expect(r.files).toEqual(['backbone.onnx', 'config.json', 'manifest.json', 'model.safetensors']);
    expect(r.summary.isReleasedMuleArchitecture).toBe(false);
  });

  it.skipIf(!lookup.python)('saves every tensor bit-equal to its source dataset (h5py + numpy)', () => {
    const c = r.check!;
    console.log(`small fixture: ${c.tensors} tensors, ${c.params} parameters checked by h5py, ${c.mismatches.length} mismatches`);
    expect(c.mismatches).toEqual([]);
    expect(c.unused).toEqual([]);
    expect(c.reused).toEqual([]);
    expect(c.params).toBe(r.summary.parameterCount);
    expect(c.source_sha256).toBe(r.summary.source.sha256);
  });

  it('round-trips the safetensors header byte for byte through our reader', () => {
    const { tensors, metadata } = r.header;
    const again = serializeSafetensorsHeader(tensors, metadata);
    expect(Buffer.from(again).equals(r.headerBytes)).toBe(true);
  });

  it('has a manifest whose checksums hold', async () => {
    const manifest = parseManifest(await readFile(join(r.outDir, 'manifest.json'), 'utf8'), 'manifest.json');
    expect(Object.keys(manifest.files).sort()).toEqual(['backbone.onnx', 'config.json', 'model.safetensors']);
    for (const [name, entry] of Object.entries(manifest.files)) expect(entry.sha256, name).toBe(await sha256OfFile(join(r.outDir, name)));
    const st = await openSafetensors(join(r.outDir, 'model.safetensors'));
    try {
      expect(st.tensorNames.length).toBe(r.summary.tensorCount);
    } finally {
      await st.close();
    }
  });
});

describe('convertKerasFile on the full-size fixture', () => {
  it('writes 62,345,742 parameters, each equal to its source dataset', async () => {
    const r = await convertAndCheck('full', 1);
    try {
      expect(r.summary.parameterCount).toBe(MULE_F0_PARAMETER_COUNT);
      expect(r.summary.isReleasedMuleArchitecture).toBe(true);
      if (r.check) {
        console.log(`full fixture: ${r.check.tensors} tensors, ${r.check.params} parameters checked by h5py`);
        expect(r.check.params).toBe(MULE_F0_PARAMETER_COUNT);
        expect(r.check.mismatches).toEqual([]);
        expect(r.check.unused).toEqual([]);
      }
    } finally {
      await r.tmp.cleanup();
      expect(existsSync(r.tmp.dir)).toBe(false);
    }
  }, 600_000);
});
