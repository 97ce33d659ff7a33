import { MuleError } from '@mule-ts/core';
import { Worker } from 'node:worker_threads';

export interface FileDigestsRequest {
  /** The sha256 of the whole file. */
  sha256: boolean;
  /** The CRC-32 of the bytes [start, start + length) (a stored zip member's data). */
  crc32Range?: { start: number; length: number };
}

export interface FileDigests {
  /** Lower-case hex, when asked for. */
  sha256: string | null;
  rangeCrc32: number | null;
}

export interface PendingFileDigests {
  /** Settles once the worker has read the whole file; rejects with a MuleError naming it. */
  result: Promise<FileDigests>;
  /** Stops the worker (after a failure elsewhere); `result` then rejects. */
  cancel(): Promise<void>;
}

/**
 * The worker's whole program (CommonJS, run with `eval`). It reads the file sequentially into one
 * small reused buffer, so each chunk is hashed and CRC-checked while still in cache.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync, fstatSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { crc32 } = require('node:zlib');
const { file, sha256, range } = workerData;
let fd = -1;
try {
  fd = openSync(file, 'r');
  const size = fstatSync(fd).size;
  const hash = sha256 ? createHash('sha256') : null;
  const from = hash ? 0 : range ? range.start : 0;
  const to = Math.max(hash ? size : 0, range ? range.start + range.length : 0);
  const buffer = Buffer.allocUnsafe(1 << 20);
  let crc = 0;
  for (let position = from; position < to; ) {
    const n = readSync(fd, buffer, 0, Math.min(buffer.length, to - position), position);
    if (n === 0) throw Object.assign(new Error('the file became shorter while it was read: ' + position + ' of ' + to + ' bytes'), { code: 'TRUNCATED' });
    const chunk = buffer.subarray(0, n);
    if (hash) hash.update(chunk);
    if (range) {
      const a = Math.max(position, range.start);
      const b = Math.min(position + n, range.start + range.length);
      if (a < b) crc = crc32(chunk.subarray(a - position, b - position), crc);
    }
    position += n;
  }
  parentPort.postMessage({ sha256: hash ? hash.digest('hex') : null, rangeCrc32: range ? crc : null });
} catch (error) {
  parentPort.postMessage({ error: { message: error.message, code: error.code } });
} finally {
  if (fd >= 0) closeSync(fd);
}
`;

/**
 * Starts computing a file's sha256 and/or a range's CRC-32 on a worker thread, which reads the
 * file itself: the caller goes on reading the same file (the page cache serves both) meanwhile.
 */
export function startFileDigests(file: string, request: FileDigestsRequest): PendingFileDigests {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, sha256: request.sha256, range: request.crc32Range ?? null } });
  let settled = false;
  const result = new Promise<FileDigests>((resolve, reject) => {
    worker.once('message', (reply: FileDigests | { error: { message: string; code?: string } }) => {
      settled = true;
      if ('error' in reply) {
        const code = reply.error.code === 'TRUNCATED' ? 'TRUNCATED' : 'IO';
        reject(new MuleError(code, `Cannot read ${file} to check it: ${reply.error.message}`, { file }));
      } else resolve(reply);
    });
    worker.once('error', (cause) => reject(new MuleError('IO', `Cannot read ${file} to check it: ${cause.message}`, { file, cause })));
    worker.once('exit', (code) => {
      if (!settled) reject(new MuleError('IO', `Cannot read ${file} to check it: the worker stopped (exit code ${code})`, { file }));
    });
  });
  // Marks a rejection as handled here too, for a caller that fails before awaiting it.
  void result.catch(() => undefined);
  return {
    result,
    cancel: async () => {
      await worker.terminate();
    },
  };
}
