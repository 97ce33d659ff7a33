import { MuleError } from '@mule-ts/core';
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

export interface FileDigest {
  /** Lower-case hex. */
  sha256: string;
  bytes: number;
}

const CHUNK_BYTES = 4 << 20;

/** sha256 and size of a file, streamed through one reused buffer. */
export async function digestFile(file: string): Promise<FileDigest> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (cause) {
    throw new MuleError('IO', `${file}: cannot open: ${(cause as Error).message}`, { file, cause });
  }
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, bytes);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    return { sha256: hash.digest('hex'), bytes };
  } catch (cause) {
    throw new MuleError('IO', `${file}: read failed: ${(cause as Error).message}`, { file, cause });
  } finally {
    await handle.close();
  }
}

export async function sha256File(file: string): Promise<string> {
  return (await digestFile(file)).sha256;
}
