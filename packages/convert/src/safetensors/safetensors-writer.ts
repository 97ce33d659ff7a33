/**
 * Streams F32 tensors into a safetensors file: the header is computed from the shapes first, then
 * each tensor is asked for its values and written with one write, so only one tensor is in memory
 * at a time. The sha256 is computed from the same bytes while they are written (no second read).
 */
import { createHash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import {
  MuleError,
  assertLittleEndianHost,
  elementCount,
  planSafetensorsLayout,
  serializeSafetensorsHeader,
} from '@mule-ts/runtime';

export interface SafetensorsTensorSource {
  name: string;
  dtype: 'F32';
  shape: readonly number[];
  /** Called once, in file order, when the tensor is about to be written. */
  read: () => Float32Array | Promise<Float32Array>;
}

/** Called after the header (`name` '') and after each tensor. */
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
  const hash = createHash('sha256');
  let position = 0;
  let parameterCount = 0;
  try {
    position = await writeAndHash(handle, file, header, position, hash);
    onProgress?.(position, totalBytes, '');
    for (const t of tensors) {
      const values = await t.read();
      const expected = elementCount(t.shape);
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
      position = await writeAndHash(handle, file, new Uint8Array(values.buffer, values.byteOffset, values.byteLength), position, hash);
      parameterCount += expected;
      onProgress?.(position, totalBytes, t.name);
    }
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(file, { force: true }).catch(() => undefined);
    throw error;
  }
  return { bytes: position, sha256: hash.digest('hex'), headerBytes: header.length, tensorCount: tensors.length, parameterCount };
}

/** Starts the write, hashes the same bytes while the thread pool writes them, then waits. */
async function writeAndHash(handle: FileHandle, file: string, bytes: Uint8Array, position: number, hash: ReturnType<typeof createHash>): Promise<number> {
  const written = writeFully(handle, file, bytes, position);
  hash.update(bytes);
  await written;
  return position + bytes.length;
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
