import { MuleError } from '@mule-ts/core';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { sniffContainer } from './sniff-container.js';
import { ZipArchive } from './zip-archive.js';

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await makeTempDir('mule-sniff-');
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('sniffContainer', () => {
  it('finds the HDF5 signature at 0 and after a user block (512, 1024, 2048...)', async () => {
    for (const offset of [0, 512, 1024, 4096]) {
      const file = join(tmp.dir, `ub${offset}.keras`);
      await writeFile(file, Buffer.concat([Buffer.alloc(offset, 0x41), HDF5_SIGNATURE, Buffer.alloc(64)]));
      expect(await sniffContainer(file)).toEqual({ kind: 'hdf5', offset });
    }
  });

  it('does not take the signature at other offsets', async () => {
    const file = join(tmp.dir, 'ub300.h5');
    await writeFile(file, Buffer.concat([Buffer.alloc(300), HDF5_SIGNATURE, Buffer.alloc(600)]));
    await expect(sniffContainer(file)).rejects.toThrow(MuleError);
  });

  it('names the file and shows the first bytes of anything else', async () => {
    const file = join(tmp.dir, 'picture.keras');
    await writeFile(file, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]));
    try {
      await sniffContainer(file);
      throw new Error('expected an error');
    } catch (e) {
      expect((e as MuleError).code).toBe('NOT_A_MODEL_FILE');
      expect((e as MuleError).message).toContain(file);
      expect((e as MuleError).message).toContain('89 50 4e 47 0d 0a 1a 0a 00 00 (".PNG......")');
    }
  });
});

describe('ZipArchive', () => {
  it('lists members in order, reads small ones and streams large ones to disk byte for byte', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from('{"a": 1}'), 'config.json', { compress: false });
    zip.addBuffer(big, 'sub/big.bin', { compress: true });
    zip.end();
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
    const file = join(tmp.dir, 'two.zip');
    await writeFile(file, Buffer.concat(chunks));

    const archive = await ZipArchive.open(file);
    try {
      expect(archive.members.map((m) => [m.name, m.size, m.compressionMethod])).toEqual([
        ['config.json', 8, 0],
        ['sub/big.bin', big.length, 8],
      ]);
      expect((await archive.readMember('config.json')).toString()).toBe('{"a": 1}');
      const out = join(tmp.dir, 'big.out');
      await archive.extractMember('sub/big.bin', out);
      expect((await readFile(out)).equals(big)).toBe(true);
      await expect(archive.readMember('sub/big.bin', 1024)).rejects.toThrow(/more than the 1024/);
      await expect(archive.readMember('missing.json')).rejects.toThrow(/has no member "missing.json"/);
    } finally {
      archive.close();
    }
  });
});
