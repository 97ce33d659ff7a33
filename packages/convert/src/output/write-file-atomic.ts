import { MuleError, type ManifestFileEntry } from '@mule-ts/core';
import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { registerSignalCleanup } from './signal-cleanup.js';
import { temporaryNameFor } from './staged-output.js';

/**
 * Writes a file so that readers see either the old content or the new, never a part: write a
 * temp beside it, flush it to disk, rename it over the target. The temp never survives a
 * failure or a SIGINT/SIGTERM. `data` may be a list of chunks, written in order without being
 * concatenated in memory (e.g. an ONNX model's weights). Returns the sha256 and size of what it wrote.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): Promise<ManifestFileEntry> {
  const temp = join(dirname(path), temporaryNameFor(basename(path)));
  const unregister = registerSignalCleanup(() => {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  });
  try {
    const hash = createHash('sha256');
    let bytes = 0;
    const handle = await open(temp, 'wx');
    try {
      const chunks = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
      {
        for (const chunk of chunks) {
          hash.update(chunk);
          bytes += chunk.length;
          let written = 0;
          while (written < chunk.length) {
            const { bytesWritten } = await handle.write(chunk, written, chunk.length - written);
            written += bytesWritten;
          }
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    return { sha256: hash.digest('hex'), bytes };
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new MuleError('IO', `${path}: cannot write: ${(cause as Error).message}`, { file: path, cause });
  } finally {
    unregister();
  }
}
