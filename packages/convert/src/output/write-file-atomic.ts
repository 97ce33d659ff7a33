import { open, rename, rm } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MuleError } from '@mule-ts/runtime';
import { registerSignalCleanup } from './signal-cleanup.js';
import { temporaryNameFor } from './staged-output.js';

/**
 * Writes a file so that readers see either the old content or the new, never a part: write a
 * temp beside it, flush it to disk, rename it over the target. The temp never survives a
 * failure or a SIGINT/SIGTERM. `data` may be a list of chunks, written in order without being
 * concatenated in memory (e.g. an ONNX model's weights).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  const temp = join(dirname(path), temporaryNameFor(basename(path)));
  const unregister = registerSignalCleanup(() => {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  });
  try {
    const handle = await open(temp, 'wx');
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) {
        await handle.writeFile(data);
      } else {
        for (const chunk of data) {
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
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new MuleError('IO', `${path}: cannot write: ${(cause as Error).message}`, { file: path, cause });
  } finally {
    unregister();
  }
}
