/**
 * Streams F32 tensors into a safetensors file: the header is computed from the shapes first, then
 * each tensor is asked for its values when its turn comes, so only a few tensors are in memory at
 * a time. Tensors that can fill a given buffer (`readInto`) are packed into one of two reused
 * staging buffers: while the thread pool writes one, the next tensors fill the other, and small
 * tensors share one write. The sha256 is computed from the same bytes while they are written.
 */
import { MuleError, elementCount, planSafetensorsLayout, serializeSafetensorsHeader } from '@mule-ts/core';
import { createHash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { assertLittleEndianHost } from './safetensors-file.js';
import { Sha256InWorker } from '../hashing/sha256-in-worker.js';

export interface SafetensorsTensorSource {
  name: string;
  dtype: 'F32';
  shape: readonly number[];
  /** Called once, in file order, when the tensor is about to be written. */
  read: () => Float32Array | Promise<Float32Array>;
  /**
   * Preferred over `read` when given: writes the values into `target` (exactly the tensor's
   * element count, a view of a reused staging buffer), once, in file order.
   */
  readInto?: (target: Float32Array) => void | Promise<void>;
}

/** Called after the header (`name` '') and after each tensor (staged or written). */
export type SafetensorsWriteProgress = (doneBytes: number, totalBytes: number, name: string) => void;

export interface SafetensorsWriteResult {
  /** Size of the whole file. */
  bytes: number;
  /** sha256 of the whole file, lower-case hex. */
  sha256: string;
  /** 8 + N: the length prefix plus the padded JSON header. */
  headerBytes: number;
  tensorCount: number;
  /** Total number of elements over all tensors. */
  parameterCount: number;
}

/** Writes `file` (replacing it); on any failure the partial file is removed. */
export async function writeSafetensors(
  file: string,
  tensors: readonly SafetensorsTensorSource[],
  metadata: Readonly<Record<string, string>> = {},
  onProgress?: SafetensorsWriteProgress,
): Promise<SafetensorsWriteResult> {
  assertLittleEndianHost(file);
  for (const t of tensors) {
    if (t.dtype !== 'F32') {
      throw new MuleError('WRONG_DTYPE', `${file}: tensor ${t.name} has dtype ${String(t.dtype)}, the writer takes F32`, {
        file,
        tensor: t.name,
        expected: 'F32',
        found: t.dtype,
      });
    }
  }
  const layout = planSafetensorsLayout(tensors, file);
  const header = serializeSafetensorsHeader(layout, metadata);
  const totalBytes = header.length + (layout.at(-1)?.dataOffsets[1] ?? 0);

  let handle: FileHandle;
  try {
    handle = await open(file, 'w');
  } catch (cause) {
    throw new MuleError('IO', `${file}: cannot create: ${(cause as Error).message}`, { file, cause });
  }
  const output = new HashedOutput(handle, file, totalBytes >= HASH_IN_WORKER_FROM ? new Sha256InWorker() : new Sha256OnThisThread());
  let parameterCount = 0;
  try {
    output.write(header);
    onProgress?.(output.position, totalBytes, '');
    const staging = new StagingBuffers(output, stagingBytesFor(tensors));
    for (const t of tensors) {
      const expected = elementCount(t.shape);
      if (t.readInto) {
        await t.readInto(await staging.reserve(expected));
      } else {
        const values = await t.read();
        if (!(values instanceof Float32Array)) {
          throw new MuleError('WRONG_DTYPE', `${file}: tensor ${t.name}: read() must return a Float32Array`, { file, tensor: t.name, expected: 'Float32Array' });
        }
        if (values.length !== expected) {
          throw new MuleError(
            'WRONG_SHAPE',
            `${file}: tensor ${t.name} has ${values.length} values but its shape [${t.shape.join(', ')}] needs ${expected}`,
            { file, tensor: t.name, expected, found: values.length },
          );
        }
        staging.flush();
        output.write(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
        await output.drain(); // the caller's array must not change while it is written
      }
      parameterCount += expected;
      onProgress?.(output.position + staging.stagedBytes, totalBytes, t.name);
    }
    staging.flush();
    await output.drain();
    await handle.close();
    const sha256 = await output.digest();
    return { bytes: output.position, sha256, headerBytes: header.length, tensorCount: tensors.length, parameterCount };
  } catch (error) {
    await output.drain().catch(() => undefined);
    await handle.close().catch(() => undefined);
    await rm(file, { force: true }).catch(() => undefined);
    throw error;
  } finally {
    await output.close();
  }
}

/** From this output size on, the sha256 runs on a worker thread, beside the reads and transposes. */
const HASH_IN_WORKER_FROM = 64 * 1024 * 1024;

/** Small tensors share a staging buffer of this size; one larger than it gets buffers its size. */
const STAGING_BYTES = 16 * 1024 * 1024;

function stagingBytesFor(tensors: readonly SafetensorsTensorSource[]): number {
  let largest = 0;
  for (const t of tensors) if (t.readInto) largest = Math.max(largest, 4 * elementCount(t.shape));
  return largest === 0 ? 0 : Math.max(STAGING_BYTES, largest);
}

/**
 * Two staging buffers used in turn: tensors are packed into the current one until the next does
 * not fit; then it is handed to the output and filling goes on in the other, once that one's
 * previous write has finished.
 */
class StagingBuffers {
  private readonly buffers: SharedArrayBuffer[];
  private readonly writes: Array<Promise<void>> = [Promise.resolve(), Promise.resolve()];
  private current = 0;
  private fill = 0;

  constructor(
    private readonly output: HashedOutput,
    bytes: number,
  ) {
    // Shared, so a hashing worker reads the staged bytes where they are.
    this.buffers = bytes === 0 ? [] : [new SharedArrayBuffer(bytes), new SharedArrayBuffer(bytes)];
  }

  get stagedBytes(): number {
    return this.fill;
  }

  /** A view for the next `elements` float32 values, in file order after what is staged. */
  async reserve(elements: number): Promise<Float32Array> {
    const buffer = this.buffers[this.current]!;
    if (this.fill + 4 * elements > buffer.byteLength) {
      this.flush();
      await this.writes[this.current];
      this.output.throwIfFailed();
    }
    const view = new Float32Array(this.buffers[this.current]!, this.fill, elements);
    this.fill += 4 * elements;
    return view;
  }

  /** Hands what is staged to the output and switches to the other buffer. */
  flush(): void {
    if (this.fill === 0) return;
    this.writes[this.current] = this.output.write(new Uint8Array(this.buffers[this.current]!, 0, this.fill));
    this.current = 1 - this.current;
    this.fill = 0;
  }
}

interface Sha256Sink {
  update(bytes: Uint8Array): void | Promise<void>;
  digest(): string | Promise<string>;
  terminate(): void | Promise<void>;
}

class Sha256OnThisThread implements Sha256Sink {
  private readonly hash = createHash('sha256');
  update(bytes: Uint8Array): void {
    this.hash.update(bytes);
  }
  digest(): string {
    return this.hash.digest('hex');
  }
  terminate(): void {}
}

/**
 * Appends to the file and hashes in file order: each write is started on the thread pool, and
 * its bytes are hashed meanwhile. The bytes must not change until the returned promise resolves;
 * it never rejects: a failure is rethrown by `drain` and `throwIfFailed`.
 */
class HashedOutput {
  private readonly pending = new Set<Promise<void>>();
  private failure: unknown = null;
  position = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly file: string,
    private readonly hash: Sha256Sink,
  ) {}

  write(bytes: Uint8Array): Promise<void> {
    const written = writeFully(this.handle, this.file, bytes, this.position);
    const hashed = this.hash.update(bytes);
    const done = Promise.all([written, hashed]).then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= error;
      },
    );
    this.pending.add(done);
    void done.then(() => this.pending.delete(done));
    this.position += bytes.length;
    return done;
  }

  /** Waits for every write started so far; rethrows the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.pending);
    this.throwIfFailed();
  }

  async digest(): Promise<string> {
    return this.hash.digest();
  }

  async close(): Promise<void> {
    await this.hash.terminate();
  }

  throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }
}

/** fs.write takes at most 2 GB per call. */
const MAX_WRITE = 1 << 30;

async function writeFully(handle: FileHandle, file: string, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    try {
      const { bytesWritten } = await handle.write(bytes, done, Math.min(bytes.length - done, MAX_WRITE), position + done);
      done += bytesWritten;
    } catch (cause) {
      throw new MuleError('IO', `${file}: write failed at byte ${position + done}: ${(cause as Error).message}`, { file, cause });
    }
  }
}
