import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MuleError } from '@mule-ts/runtime';
import { makeTempDir } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { readFileOnce } from './read-file-once.js';
import { ZipArchive } from './zip-archive.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await makeTempDir('mule-read-once-');
});
afterAll(async () => {
  await tmp.cleanup();
});

/** Deterministic bytes (xorshift32), so a failure reproduces. */
function seededBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

describe('readFileOnce', () => {
  it('returns the bytes, the sha256 of the file and the CRC-32 the zip records for a stored member spanning several chunks', async () => {
    // 8 MB chunks: the member (about 19 MB) starts and ends inside chunks, at odd offsets.
    const big = seededBytes(19 * 1024 * 1024 + 333, 5);
    const zip = new yazl.ZipFile();
    zip.addBuffer(seededBytes(1001, 7), 'before.bin', { compress: false });
    zip.addBuffer(big, 'model.weights.h5', { compress: false });
    zip.addBuffer(seededBytes(77, 9), 'after.bin', { compress: false });
    zip.end();
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const file = join(tmp.dir, 'members.zip');
    await writeFile(file, bytes);

    const archive = await ZipArchive.open(file);
    try {
      const range = await archive.storedMemberRange('model.weights.h5');
      expect(range?.length).toBe(big.length);
      const read = await readFileOnce(file, { sha256: true, crc32Range: range! });
      expect(Buffer.from(read.bytes).equals(bytes)).toBe(true);
      expect(await read.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(Buffer.from(read.bytes.subarray(range!.start, range!.start + range!.length)).equals(big)).toBe(true);
      expect(() => archive.verifyCrc32('model.weights.h5', read.rangeCrc32!)).not.toThrow();
      expect(() => archive.verifyCrc32('model.weights.h5', (read.rangeCrc32! ^ 1) >>> 0)).toThrow(/CRC-32/);
    } finally {
      archive.close();
    }
  });

  it('computes nothing it was not asked for, and reads an empty file', async () => {
    const file = join(tmp.dir, 'empty.bin');
    await writeFile(file, '');
    const plain = await readFileOnce(file);
    expect([plain.bytes.length, plain.sha256, plain.rangeCrc32]).toEqual([0, null, null]);
    expect(await (await readFileOnce(file, { sha256: true })).sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('reports a missing file as IO, naming it', async () => {
    const file = join(tmp.dir, 'missing.bin');
    const error = await readFileOnce(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MuleError);
    expect((error as MuleError).code).toBe('IO');
    expect((error as MuleError).message).toContain(file);
  });
});

describe('ZipArchive.storedMemberRange', () => {
  it('is null for a compressed member', async () => {
    const zip = new yazl.ZipFile();
    zip.addBuffer(seededBytes(5000, 3), 'deflated.bin', { compress: true });
    zip.end();
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
    const file = join(tmp.dir, 'deflated.zip');
    await writeFile(file, Buffer.concat(chunks));
    const archive = await ZipArchive.open(file);
    try {
      expect(await archive.storedMemberRange('deflated.bin')).toBeNull();
      await expect(archive.storedMemberRange('missing.bin')).rejects.toThrow(/has no member "missing.bin"/);
    } finally {
      archive.close();
    }
  });
});
