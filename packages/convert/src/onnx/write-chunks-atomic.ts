import { unlinkSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MuleError } from '@mule-ts/runtime';
import { registerSignalCleanup } from '../output/signal-cleanup.js';
import { temporaryNameFor } from '../output/staged-output.js';

/**
 * Writes byte chunks to `path` so that readers see the old file or the whole new one: a temp
 * beside it, flushed, renamed over the target; the temp never survives a failure or a signal.
 * Unlike a single-buffer write, the chunks are never concatenated in memory.
 */
export async function writeChunksAtomic(path: string, chunks: readonly Uint8Array[]): Promise<void> {
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
      for (const chunk of chunks) {
        let written = 0;
        while (written < chunk.length) {
          const { bytesWritten } = await handle.write(chunk, written, chunk.length - written);
          written += bytesWritten;
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
