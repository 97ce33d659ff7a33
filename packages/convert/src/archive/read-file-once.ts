import { constants } from 'node:buffer';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { MuleError } from '@mule-ts/runtime';
import { Sha256InWorker } from '../hashing/sha256-in-worker.js';

export interface ReadFileOnceOptions {
  /** Also compute the sha256 of the whole file. */
  sha256?: boolean;
  /** Also compute the CRC-32 of the bytes [start, start + length) (a zip member's data). */
  crc32Range?: { start: number; length: number };
}

export interface FileBytes {
  /** The whole file, on a SharedArrayBuffer (so the hashing worker reads it in place). */
  bytes: Uint8Array;
  /**
   * Lower-case hex, when asked for. It settles after the read: the worker may still be hashing
   * when the bytes are returned, so a caller can start on them meanwhile.
   */
  sha256: Promise<string> | null;
  /** CRC-32 of `crc32Range`, when asked for. */
  rangeCrc32: number | null;
}

/** Large enough that syscalls are few, small enough that each chunk is checked while still in cache. */
const CHUNK_BYTES = 8 * 1024 * 1024;
/** Reads in flight at once: the thread pool faults in fresh pages for one while it copies another. */
const READS_IN_FLIGHT = 2;

/**
 * Reads a whole file into memory in one sequential pass. Each chunk, once read, is handed to a
 * sha256 worker and CRC-checked while the thread pool reads the next ones, so the digests cost no
 * second pass over the file and little time after the last read.
 */
export async function readFileOnce(file: string, options: ReadFileOnceOptions = {}): Promise<FileBytes> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (cause) {
    throw new MuleError('IO', `Cannot open ${file}: ${(cause as Error).message}`, { file, cause });
  }
  const hasher = options.sha256 ? new Sha256InWorker() : null;
  const hashed: Array<Promise<void>> = [];
  const reads: Array<{ start: number; length: number; done: Promise<number> }> = [];
  try {
    const { size } = await handle.stat();
    if (size > constants.MAX_LENGTH) {
      throw new MuleError('UNSUPPORTED', `${file} is ${size} bytes, more than the ${constants.MAX_LENGTH} this reader holds in memory`, { file });
    }
    const bytes = new Uint8Array(new SharedArrayBuffer(size));
    const readAt = async (position: number, length: number): Promise<number> => {
      try {
        return (await handle.read(bytes, position, length, position)).bytesRead;
      } catch (cause) {
        throw new MuleError('IO', `Cannot read ${file} at byte ${position}: ${(cause as Error).message}`, { file, cause });
      }
    };
    const range = options.crc32Range;
    const rangeEnd = range ? range.start + range.length : 0;
    let rangeCrc = 0;
    let next = 0;
    const issueReads = (): void => {
      for (; reads.length < READS_IN_FLIGHT && next < size; next += CHUNK_BYTES) {
        const length = Math.min(CHUNK_BYTES, size - next);
        reads.push({ start: next, length, done: readAt(next, length) });
      }
    };
    issueReads();
    for (let chunk = reads.shift(); chunk !== undefined; chunk = reads.shift()) {
      const { start, length } = chunk;
      // A regular file reads short only at its end, i.e. when it shrank since `stat`.
      for (let got = await chunk.done; got < length; ) {
        const more = await readAt(start + got, length - got);
        if (more === 0) {
          throw new MuleError('TRUNCATED', `${file} became shorter while it was read: ${start + got} of ${size} bytes`, { file, expected: size, found: start + got });
        }
        got += more;
      }
      issueReads();
      const end = start + length;
      if (hasher) hashed.push(hasher.update(bytes.subarray(start, end)));
      if (range && end > range.start && start < rangeEnd) {
        rangeCrc = crc32(bytes.subarray(Math.max(start, range.start), Math.min(end, rangeEnd)), rangeCrc);
      }
    }
    const sha256 = hasher ? digestWhenHashed(hasher, hashed) : null;
    // Marks a rejection as handled here too, for a caller that fails before awaiting it.
    void sha256?.catch(() => undefined);
    return { bytes, sha256, rangeCrc32: range ? rangeCrc : null };
  } catch (error) {
    void Promise.allSettled([...hashed, ...reads.map((r) => r.done)]);
    await hasher?.terminate();
    throw error;
  } finally {
    await Promise.allSettled(reads.map((r) => r.done));
    await handle.close();
  }
}

async function digestWhenHashed(hasher: Sha256InWorker, hashed: Array<Promise<void>>): Promise<string> {
  try {
    await Promise.all(hashed);
    return await hasher.digest();
  } finally {
    await hasher.terminate();
  }
}
