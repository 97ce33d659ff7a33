import { MuleError, type MuleErrorCode } from '@mule-ts/core';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { SMALL_TEST_SPEC, ZIP_EPOCH, buildKerasModel, writeKerasArchive, writeStoredZip, type KerasModelDraft } from '@mule-ts/keras-fixture';
import { kerasSamplesDir, makeTempDir } from '@mule-ts/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { convertKerasFile } from './convert-keras.js';

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
let outDir: string;

beforeEach(async () => {
  tmp = await makeTempDir();
  outDir = join(tmp.dir, 'out');
  // The output directory already holds a file of the user's: a failed run must leave exactly that.
  await writeFile(join(tmp.dir, 'keep.txt'), 'x');
});
afterEach(() => tmp.cleanup());

async function writeDraft(mutate: (d: KerasModelDraft) => void): Promise<string> {
  const draft = buildKerasModel(SMALL_TEST_SPEC, { seed: 3 });
  mutate(draft);
  const file = join(tmp.dir, 'bad.keras');
  await writeKerasArchive(draft, file);
  return file;
}

async function expectFailure(keras: string, code: MuleErrorCode, pattern: RegExp, out = outDir): Promise<MuleError> {
  const before = (await readdir(tmp.dir)).sort();
  let caught: unknown;
  try {
    await convertKerasFile({ keras, outDir: out });
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(MuleError);
  const err = caught as MuleError;
  expect(err.code).toBe(code);
  expect(err.message).toContain(keras);
  expect(err.message).toMatch(pattern);
  expect((await readdir(tmp.dir)).sort()).toEqual(before);
  return err;
}

const wsPath = (k: number, slot: string) =>
  `_layer_checkpoint_dependencies/weight_standardization${k === 0 ? '' : `_${2 * k}`}/${slot}`;

describe('convert refuses bad input, naming the file and the layer or tensor, writing nothing', () => {
  it('a file that is neither zip nor HDF5', async () => {
    const file = join(tmp.dir, 'notes.keras');
    await writeFile(file, 'this is not a model\n');
    await expectFailure(file, 'NOT_A_MODEL_FILE', /zip|HDF5/i);
  });

  it('a truncated archive', async () => {
    const good = await writeDraft(() => {});
    const bytes = await readFile(good);
    const file = join(tmp.dir, 'cut.keras');
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await rm(good);
    await expectFailure(file, 'TRUNCATED', /truncated|corrupt|end of central directory|incomplete/i);
  });

  it('a missing member (no model.weights.h5)', async () => {
    const file = join(tmp.dir, 'no-weights.keras');
    await writeStoredZip(file, [
      { name: 'metadata.json', date: ZIP_EPOCH, source: { kind: 'buffer', data: Buffer.from('{"keras_version": "2.13.1"}') } },
      { name: 'config.json', date: ZIP_EPOCH, source: { kind: 'buffer', data: Buffer.from('{"class_name": "Functional", "config": {"layers": []}}') } },
    ]);
    await expectFailure(file, 'MISSING_MEMBER', /model\.weights\.h5/);
  });

  it('malformed JSON in config.json', async () => {
    const file = join(tmp.dir, 'bad-json.keras');
    await writeStoredZip(file, [
      { name: 'metadata.json', date: ZIP_EPOCH, source: { kind: 'buffer', data: Buffer.from('{"keras_version": "2.13.1"}') } },
      { name: 'config.json', date: ZIP_EPOCH, source: { kind: 'buffer', data: Buffer.from('{"class_name": "Functional", "config": {"layers": [}') } },
      { name: 'model.weights.h5', date: ZIP_EPOCH, source: { kind: 'buffer', data: Buffer.from('') } },
    ]);
    await expectFailure(file, 'MALFORMED_JSON', /config\.json/);
  });

  it('a missing weight', async () => {
    const file = await writeDraft((d) => {
      d.datasets = d.datasets.filter((x) => x.path !== wsPath(3, 'vars/1'));
    });
    const err = await expectFailure(file, 'MISSING_WEIGHT', /weight_standardization_6.*vars\/1/);
    expect(err.details.tensor).toMatch(/\.gain$/);
  });

  it('an extra weight', async () => {
    const file = await writeDraft((d) => {
      d.datasets.push({ path: wsPath(2, 'vars/2'), shape: [4], generate: () => new Float32Array(4) });
    });
    await expectFailure(file, 'EXTRA_WEIGHT', /weight_standardization_4\/vars\/2/);
  });

  it('a wrong shape', async () => {
    const file = await writeDraft((d) => {
      const v = d.datasets.find((x) => x.path === wsPath(5, 'vars/0'))!;
      v.shape = [...v.shape.slice(0, 3), v.shape[3]! + 1];
    });
    const err = await expectFailure(file, 'WRONG_SHAPE', /weight_standardization_10.*expected \[/);
    expect(err.details.expected).toBeDefined();
    expect(err.details.found).toBeDefined();
  });

  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`a weight holding ${bad}`, async () => {
      const file = await writeDraft((d) => {
        const dense = d.datasets.find((x) => /\/dense_2\/vars\/0$/.test(x.path))!;
        const gen = dense.generate;
        dense.generate = () => {
          const v = gen();
          v[5] = bad;
          return v;
        };
      });
      const err = await expectFailure(file, 'NON_FINITE', /dense_2.*non-finite.*index 5/);
      expect(err.details.tensor).toMatch(/se\.fc[01]\.weight$/);
    });
  }

  it('a Keras file of another architecture (a real Keras 2.13 model)', async (ctx) => {
    const samples = kerasSamplesDir();
    if (!samples) {
      console.warn('skipping: ../shared/keras-samples/ is absent');
      ctx.skip();
    }
    await expectFailure(join(samples!, 'mpnunez_mnist-gan_descriminator.keras'), 'WRONG_ARCHITECTURE', /SF-NFNet-F0/);
  });

  it('a source file that changed while it was converted', async () => {
    const file = await writeDraft(() => {});
    const before = (await readdir(tmp.dir)).sort();
    let touched = false;
    const conversion = convertKerasFile({
      keras: file,
      outDir,
      onProgress: (p) => {
        if (p.phase === 'write' && !touched) {
          touched = true;
          utimesSync(file, new Date(), new Date(Date.now() + 60_000));
        }
      },
    });
    await expect(conversion).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/changed while it was converted.*nothing was written/) });
    expect((await readdir(tmp.dir)).sort()).toEqual(before);
  });
});
