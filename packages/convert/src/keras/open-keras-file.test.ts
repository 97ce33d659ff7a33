import { MuleError } from '@mule-ts/core';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describePythonLookup, findPython, kerasSamplesDir, makeTempDir, runPython } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { ZipArchive } from '../archive/zip-archive.js';
import { openedHdf5Files } from './hdf5-open.js';
import { openKerasFile } from './open-keras-file.js';

const samples = kerasSamplesDir();
const lookup = findPython(['numpy', 'h5py']);
if (samples === null) console.warn('bad-zip tests skipped: no Keras sample folder (../shared/keras-samples)');
if (lookup.python === null) console.warn(`legacy dtype tests skipped: no python with numpy+h5py (${describePythonLookup(lookup)})`);

async function expectMuleError(promise: Promise<unknown>, code: string): Promise<MuleError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(MuleError);
    expect((e as MuleError).code).toBe(code);
    return e as MuleError;
  }
  throw new Error(`expected a ${code} error`);
}

function catchMuleError(fn: () => unknown): MuleError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MuleError);
    return e as MuleError;
  }
  throw new Error('expected a MuleError');
}

/** Writes a zip with the given members in order (stored unless `compress`). */
async function writeZip(path: string, members: Array<[string, Buffer]>, compress = false): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of members) zip.addBuffer(data, name, { compress });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  await writeFile(path, Buffer.concat(chunks));
}

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await makeTempDir('mule-keras-open-');
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('openKerasFile on input that is not a good Keras file', () => {
  it('refuses a text file, naming it and showing its first bytes', async () => {
    const file = join(tmp.dir, 'notes.keras');
    await writeFile(file, 'hello, this is not a model\n');
    const err = await expectMuleError(openKerasFile(file), 'NOT_A_MODEL_FILE');
    expect(err.message).toContain(file);
    expect(err.message).toContain('"hello, this is ');
  });

  it('refuses an empty file', async () => {
    const file = join(tmp.dir, 'empty.h5');
    await writeFile(file, '');
    const err = await expectMuleError(openKerasFile(file), 'NOT_A_MODEL_FILE');
    expect(err.message).toContain(file);
  });

  it('reports a missing file as IO', async () => {
    const file = join(tmp.dir, 'does-not-exist.keras');
    const err = await expectMuleError(openKerasFile(file), 'IO');
    expect(err.message).toContain(file);
  });
});

describe.skipIf(samples === null)('openKerasFile on damaged .keras zips (built from a real sample)', () => {
  const members: Record<string, Buffer> = {};
  let original: Buffer;

  beforeAll(async () => {
    const source = join(samples as string, 'mpnunez_mnist-gan_descriminator.keras');
    original = await readFile(source);
    const archive = await ZipArchive.open(source);
    try {
      expect(archive.members.map((m) => m.name)).toEqual(['metadata.json', 'config.json', 'model.weights.h5']);
      for (const m of archive.members) members[m.name] = await archive.readMember(m.name);
    } finally {
      archive.close();
    }
  });

  const member = (name: string): [string, Buffer] => [name, members[name] as Buffer];

  it('opens a rebuilt copy, compressed members included', async () => {
    const file = join(tmp.dir, 'deflated.keras');
    await writeZip(file, [member('metadata.json'), member('config.json'), member('model.weights.h5')], true);
    const model = await openKerasFile(file);
    try {
      expect(model.kerasVersion).toBe('2.13.1');
      expect(model.weights.map((w) => w.shape)).toContainEqual([3, 3, 32, 64]);
    } finally {
      await model.close();
    }
  });

  it('refuses a zip truncated to half its bytes as TRUNCATED, naming the file', async () => {
    const file = join(tmp.dir, 'half.keras');
    await writeFile(file, original.subarray(0, Math.floor(original.length / 2)));
    const err = await expectMuleError(openKerasFile(file), 'TRUNCATED');
    expect(err.message).toContain(file);
  });

  /** The sample with the byte at `at` inverted, written as `name`. */
  async function writeWithFlippedByte(name: string, at: number): Promise<string> {
    const file = join(tmp.dir, name);
    const damaged = Buffer.from(original);
    damaged[at] = (damaged[at] as number) ^ 0xff;
    await writeFile(file, damaged);
    return file;
  }

  it('refuses a zip whose weights member is corrupt (CRC-32 mismatch)', async () => {
    const file = await writeWithFlippedByte('flipped.keras', Math.floor(original.length * 0.6)); // inside the stored model.weights.h5 data
    const err = await expectMuleError(openKerasFile(file), 'TRUNCATED');
    expect(err.message).toContain(file);
    expect(err.message).toContain('model.weights.h5');
    expect(err.message).toContain('CRC-32');
  });

  it('reports a weights member damaged where HDF5 reads its structure as a CRC-32 mismatch, not as an HDF5 error', async () => {
    const probe = await ZipArchive.open(join(samples as string, 'mpnunez_mnist-gan_descriminator.keras'));
    const range = await probe.storedMemberRange('model.weights.h5').finally(() => probe.close());
    const file = await writeWithFlippedByte('bad-signature.keras', range!.start + 1); // the HDF5 signature
    const err = await expectMuleError(openKerasFile(file), 'TRUNCATED');
    expect(err.message).toContain(file);
    expect(err.message).toContain('CRC-32');
  });

  it('refuses a zip without config.json, naming the file and the member', async () => {
    const file = join(tmp.dir, 'no-config.keras');
    await writeZip(file, [member('metadata.json'), member('model.weights.h5')]);
    const err = await expectMuleError(openKerasFile(file), 'MISSING_MEMBER');
    expect(err.message).toContain(file);
    expect(err.message).toContain('"config.json"');
  });

  it('refuses a zip without model.weights.h5, naming the file and the member', async () => {
    const file = join(tmp.dir, 'no-weights.keras');
    await writeZip(file, [member('metadata.json'), member('config.json')]);
    const err = await expectMuleError(openKerasFile(file), 'MISSING_MEMBER');
    expect(err.message).toContain(file);
    expect(err.message).toContain('"model.weights.h5"');
  });

  it('refuses a malformed config.json, naming the file, the member and the position', async () => {
    const file = join(tmp.dir, 'bad-config.keras');
    const config = members['config.json']!.toString('utf8');
    const at = config.indexOf('"layers": [') + '"layers": ['.length;
    const broken = `${config.slice(0, at)}}${config.slice(at)}`;
    await writeZip(file, [member('metadata.json'), ['config.json', Buffer.from(broken)], member('model.weights.h5')]);
    const err = await expectMuleError(openKerasFile(file), 'MALFORMED_JSON');
    expect(err.message).toContain(file);
    expect(err.message).toContain('config.json');
    expect(err.message).toContain(`(offset ${at})`);
    expect(err.message).toContain('line 1, column');
  });

  it('refuses a zip holding two members with the same name', async () => {
    const file = join(tmp.dir, 'duplicate.keras');
    await writeZip(file, [member('metadata.json'), member('config.json'), member('model.weights.h5'), member('model.weights.h5')]);
    const err = await expectMuleError(openKerasFile(file), 'NOT_A_MODEL_FILE');
    expect(err.message).toContain(file);
    expect(err.message).toContain('model.weights.h5');
  });

  it('accepts NaN and Infinity in config.json', async () => {
    const file = join(tmp.dir, 'nan-config.keras');
    const config = JSON.parse(members['config.json']!.toString('utf8')) as { config: { layers: Array<{ config: Record<string, unknown> }> } };
    config.config.layers[1]!.config.custom_gain = '__NAN__';
    const text = JSON.stringify(config).replace('"__NAN__"', 'NaN');
    await writeZip(file, [member('metadata.json'), ['config.json', Buffer.from(text)], member('model.weights.h5')]);
    const model = await openKerasFile(file);
    try {
      expect(model.layers[1]?.config.custom_gain).toBeNaN();
    } finally {
      await model.close();
    }
  });

  it('releases the weights file on close() and when opening fails', async () => {
    const good = join(tmp.dir, 'good.keras');
    await writeZip(good, [member('metadata.json'), member('config.json'), member('model.weights.h5')]);
    const model = await openKerasFile(good);
    expect(openedHdf5Files()).toHaveLength(1);
    await model.close();
    expect(openedHdf5Files()).toEqual([]);
    expect(() => model.readFloat32(model.weights[0]!.path)).toThrow(/closed/);
    expect(() => model.withFloat32(model.weights[0]!.path, (v) => v.length)).toThrow(/closed/);

    const badWeights = join(tmp.dir, 'bad-weights.keras');
    await writeZip(badWeights, [member('metadata.json'), member('config.json'), ['model.weights.h5', Buffer.from('not hdf5 at all')]]);
    const err = await expectMuleError(openKerasFile(badWeights), 'TRUNCATED');
    expect(err.message).toContain(badWeights);
    expect(err.message).toContain('model.weights.h5');
    expect(openedHdf5Files()).toEqual([]);
  });

  it('hashes the whole file during the same read when asked (stored and compressed members)', async () => {
    const stored = join(tmp.dir, 'hash-stored.keras');
    const deflated = join(tmp.dir, 'hash-deflated.keras');
    await writeZip(stored, [member('metadata.json'), member('config.json'), member('model.weights.h5')]);
    await writeZip(deflated, [member('metadata.json'), member('config.json'), member('model.weights.h5')], true);
    for (const file of [stored, deflated]) {
      const expected = createHash('sha256').update(await readFile(file)).digest('hex');
      const hashed = await openKerasFile(file, { sha256: true });
      const plain = await openKerasFile(file);
      try {
        expect(hashed.sourceSha256).toBe(expected);
        expect(plain.sourceSha256).toBeNull();
        const path = hashed.weights.find((w) => w.shape.join() === '3,3,32,64')!.path;
        const copied = hashed.readFloat32(path);
        expect(hashed.withFloat32(path, (view) => Buffer.from(view.buffer, view.byteOffset, view.byteLength).equals(Buffer.from(copied.buffer)))).toBe(true);
      } finally {
        await hashed.close();
        await plain.close();
      }
    }
  });

  it('refuses to read a non-float dataset as float32 (WRONG_DTYPE, naming file and path)', async () => {
    const model = await openKerasFile(join(samples as string, 'mpnunez_mnist-gan_descriminator.keras'));
    try {
      const wrongType = catchMuleError(() => model.readFloat32('optimizer/vars/0'));
      expect(wrongType.code).toBe('WRONG_DTYPE');
      expect(wrongType.message).toContain('mpnunez_mnist-gan_descriminator.keras');
      expect(wrongType.message).toContain('optimizer/vars/0');
      expect(wrongType.message).toContain('<i8');
      expect(catchMuleError(() => model.readFloat32('no/such/dataset')).code).toBe('MISSING_WEIGHT');
    } finally {
      await model.close();
    }
  });
});

/** A legacy HDF5 model written by h5py: user block, split layer_names, f2/f8/i4/big-endian weights. */
const WRITE_LEGACY = String.raw`
import h5py, json, sys
import numpy as np
path = sys.argv[1]
layers = [
    {"class_name": "InputLayer", "config": {"name": "inp"}, "name": "inp", "inbound_nodes": []},
    {"class_name": "Dense", "config": {"name": "half", "gain": float("nan")}, "name": "half", "inbound_nodes": [[["inp", 0, 0, {}]]]},
    {"class_name": "Dense", "config": {"name": "double"}, "name": "double", "inbound_nodes": [[["half", 0, 0, {}]]]},
    {"class_name": "Dense", "config": {"name": "bigend"}, "name": "bigend", "inbound_nodes": [[["double", 0, 0, {}]]]},
    {"class_name": "Dense", "config": {"name": "ints"}, "name": "ints", "inbound_nodes": [[["bigend", 0, 0, {}]]]},
]
config = {"class_name": "Functional", "config": {"name": "m", "layers": layers,
          "input_layers": [["inp", 0, 0]], "output_layers": [["ints", 0, 0]]}}
rng = np.random.default_rng(7)
data = {
    "half": [("half/kernel:0", rng.standard_normal((3, 4)).astype("<f2")),
             ("half/bias:0", np.array([6.0e-8, -65504.0, 0.333, 1e-5], dtype="<f2"))],
    "double": [("double/kernel:0", rng.standard_normal((4, 2)).astype("<f8"))],
    "bigend": [("bigend/kernel:0", rng.standard_normal((2, 2)).astype(">f4"))],
    "ints": [("ints/kernel:0", np.arange(4, dtype="<i4"))],
}
with h5py.File(path, "w", userblock_size=512) as f:
    f.attrs["keras_version"] = "2.11.0"
    f.attrs["model_config"] = json.dumps(config)
    mw = f.create_group("model_weights")
    names = [l["name"] for l in layers]
    mw.attrs["layer_names0"] = np.array(names[:2], dtype="S")
    mw.attrs["layer_names1"] = np.array(names[2:], dtype="S")
    mw.create_group("inp").attrs["weight_names"] = np.array([], dtype=np.float64)
    expected = {}
    for layer, weights in data.items():
        g = mw.create_group(layer)
        g.attrs["weight_names"] = np.array([n for n, _ in weights], dtype="S")
        for n, v in weights:
            g.create_dataset(n, data=v)
            expected["model_weights/%s/%s" % (layer, n)] = {"dtype": v.dtype.str, "f32": v.astype(np.float32).tolist() if v.dtype.kind == "f" else None}
print(json.dumps(expected))
`;

describe.skipIf(lookup.python === null)('openKerasFile on a legacy HDF5 file with unusual dtypes (written by h5py)', () => {
  it('reads split layer_names, a user block, and converts f2/f8/big-endian f4 to float32 like numpy', async () => {
    const file = join(tmp.dir, 'legacy-dtypes.h5');
    const expected = JSON.parse(runPython(lookup.python as string, WRITE_LEGACY, [file])) as Record<string, { dtype: string; f32: number[][] | null }>;
    const model = await openKerasFile(file, { sha256: true });
    try {
      expect(model.sourceSha256).toBe(createHash('sha256').update(await readFile(file)).digest('hex'));
      expect(model.container).toBe('legacy-hdf5');
      expect(model.kerasVersion).toBe('2.11.0');
      expect(model.layers.map((l) => l.weightsGroup)).toEqual([
        'model_weights/inp',
        'model_weights/half',
        'model_weights/double',
        'model_weights/bigend',
        'model_weights/ints',
      ]);
      expect(model.layers[1]?.config.gain).toBeNaN();
      expect(model.weights.map((w) => [w.path, w.dtype, w.slot])).toEqual(
        Object.entries(expected).map(([path, e], i) => [path, e.dtype, i === 1 ? 'vars/1' : 'vars/0']),
      );
      for (const [path, e] of Object.entries(expected)) {
        if (e.f32 === null) {
          expect(() => model.readFloat32(path)).toThrow(/<i4/);
        } else {
          expect(Array.from(model.readFloat32(path))).toEqual(e.f32.flat());
        }
      }
      expect(model.notes).toEqual([]);
    } finally {
      await model.close();
    }
  });
});
