import { MuleError } from '@mule-ts/core';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { makeTempDir } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZipArchive } from '../archive/zip-archive.js';
import { openHdf5Bytes, openHdf5InFile, openedHdf5Files } from './hdf5-open.js';
import { Float32DatasetReader } from './hdf5-read.js';
import { walkHdf5 } from './hdf5-tree.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
let weights: Buffer;
beforeAll(async () => {
  tmp = await makeTempDir('mule-hdf5-open-');
  const keras = join(tmp.dir, 'small.keras');
  await writeKerasFixture({ size: 'small', seed: 3, out: keras });
  const archive = await ZipArchive.open(keras);
  try {
    weights = await archive.readMember('model.weights.h5', Number.POSITIVE_INFINITY);
  } finally {
    archive.close();
  }
});
afterAll(async () => {
  await tmp.cleanup();
});

/** Every dataset's path, shape and values. */
function contents(opened: { file: Parameters<typeof walkHdf5>[0] }, label: string): Array<[string, number[], number[]]> {
  const reader = new Float32DatasetReader(opened.file, label);
  try {
    return walkHdf5(opened.file, label).datasets.map((d) => [d.path, d.shape, [...reader.read(d.path)]]);
  } finally {
    reader.close();
  }
}

describe('openHdf5InFile', () => {
  it('reads HDF5 bytes lying inside a larger file exactly as the same bytes opened from memory', async () => {
    const file = join(tmp.dir, 'embedded.bin');
    const before = Buffer.alloc(1234, 0xab);
    await writeFile(file, Buffer.concat([before, weights, Buffer.alloc(777, 0xcd)]));
    const inFile = await openHdf5InFile(file, 'embedded', { start: before.length, length: weights.length });
    const inMemory = await openHdf5Bytes(new Uint8Array(weights), 'in memory');
    try {
      const fromFile = contents(inFile, 'embedded');
      expect(fromFile.length).toBeGreaterThan(100);
      expect(fromFile).toEqual(contents(inMemory, 'in memory'));
    } finally {
      inFile.close();
      inMemory.close();
    }
    expect(openedHdf5Files()).toEqual([]);
  });

  it('opens a whole file when no range is given', async () => {
    const file = join(tmp.dir, 'whole.h5');
    await writeFile(file, weights);
    const opened = await openHdf5InFile(file, file);
    try {
      expect(walkHdf5(opened.file, file).datasets.length).toBeGreaterThan(100);
    } finally {
      opened.close();
    }
  });

  it('names the file when it became shorter after opening, instead of reading zeros', async () => {
    const file = join(tmp.dir, 'shrinks.h5');
    await writeFile(file, weights);
    const opened = await openHdf5InFile(file, file);
    const tree = walkHdf5(opened.file, file);
    const reader = new Float32DatasetReader(opened.file, file, new Map(), opened.readFailure);
    try {
      const last = tree.datasets.reduce((a, b) => (b.bytes > a.bytes ? b : a));
      await truncate(file, 4096);
      let error: unknown;
      try {
        reader.read(last.path);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MuleError);
      expect((error as MuleError).code).toBe('TRUNCATED');
      expect((error as MuleError).message).toContain(file);
      expect((error as MuleError).message).toContain('became shorter');
    } finally {
      reader.close();
      opened.close();
    }
  });

  it('names the file when it cannot be opened', async () => {
    const missing = join(tmp.dir, 'missing.h5');
    await expect(openHdf5InFile(missing, missing)).rejects.toMatchObject({ code: 'IO', message: expect.stringContaining(missing) });
    const text = join(tmp.dir, 'text.h5');
    await writeFile(text, 'not hdf5');
    await expect(openHdf5InFile(text, text)).rejects.toMatchObject({ code: 'TRUNCATED', message: expect.stringContaining(text) });
    expect(openedHdf5Files()).toEqual([]);
    expect((await readFile(text)).toString()).toBe('not hdf5');
  });
});
