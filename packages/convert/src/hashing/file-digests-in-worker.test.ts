import { MuleError } from '@mule-ts/core';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { makeTempDir, mulberry32 } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileDigests } from './file-digests-in-worker.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
let file: string;
let bytes: Buffer;
beforeAll(async () => {
  tmp = await makeTempDir('mule-digests-');
  // Over three of the worker's 1 MB reads, so the CRC range starts and ends inside chunks.
  const random = mulberry32(7);
  bytes = Buffer.alloc(3 * 1024 * 1024 + 12_345);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  file = join(tmp.dir, 'random.bin');
  await writeFile(file, bytes);
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('startFileDigests', () => {
  it("gives the file's sha256 and the CRC-32 of a range that spans several chunks", async () => {
    const range = { start: 1_000_003, length: 2_100_000 };
    const digests = await startFileDigests(file, { sha256: true, crc32Range: range }).result;
    expect(digests.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(digests.rangeCrc32).toBe(crc32(bytes.subarray(range.start, range.start + range.length)));
  });

  it('computes only what is asked for', async () => {
    const range = { start: 17, length: 100 };
    expect(await startFileDigests(file, { sha256: false, crc32Range: range }).result).toEqual({
      sha256: null,
      rangeCrc32: crc32(bytes.subarray(17, 117)),
    });
    expect(await startFileDigests(file, { sha256: true }).result).toEqual({
      sha256: createHash('sha256').update(bytes).digest('hex'),
      rangeCrc32: null,
    });
  });

  it('reports a range that runs past the end of the file as a truncated file, naming it', async () => {
    const pending = startFileDigests(file, { sha256: false, crc32Range: { start: bytes.length - 10, length: 20 } });
    await expect(pending.result).rejects.toThrow(MuleError);
    await expect(pending.result).rejects.toMatchObject({ code: 'TRUNCATED', message: expect.stringContaining(file) });
  });

  it('reports a missing file as an IO error naming it', async () => {
    const missing = join(tmp.dir, 'nope.bin');
    await expect(startFileDigests(missing, { sha256: true }).result).rejects.toMatchObject({ code: 'IO', message: expect.stringContaining(missing) });
  });

  it('rejects once cancelled', async () => {
    const pending = startFileDigests(file, { sha256: true });
    await pending.cancel();
    await expect(pending.result).rejects.toThrow(/worker stopped/);
  });
});
