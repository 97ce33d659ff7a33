/**
 * Reads safetensors files with positioned reads: the header once, then each tensor on request.
 * The file is never read whole.
 */
import { MuleError, SAFETENSORS_DTYPE_BYTES, SAFETENSORS_LENGTH_PREFIX_BYTES, parseSafetensorsHeader, readSafetensorsHeaderLength, type SafetensorsHeader, elementCount, type SafetensorsTensorInfo } from '@mule-ts/core';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';

export interface SafetensorsFile {
  readonly file: string;
  readonly header: SafetensorsHeader;
  readonly metadata: Readonly<Record<string, string>>;
  /** In header order. */
  readonly tensorNames: readonly string[];
  /** The header entry of `name`; MISSING_WEIGHT when the file has no such tensor. */
  tensorInfo(name: string): SafetensorsTensorInfo;
  /** The values of an F32 tensor (row-major); WRONG_DTYPE for any other dtype. */
  readTensor(name: string): Float32Array;
  /** The raw little-endian bytes of a tensor of any dtype. */
  readTensorBytes(name: string): Uint8Array;
  close(): void;
}

export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const fd = openForReading(file);
  try {
    return readHeaderFrom(fd, file);
  } finally {
    closeSync(fd);
  }
}

export function openSafetensors(file: string): SafetensorsFile {
  const fd = openForReading(file);
  let header: SafetensorsHeader;
  try {
    header = readHeaderFrom(fd, file);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  const byName = new Map(header.tensors.map((t) => [t.name, t]));
  let open = true;

  const tensorInfo = (name: string): SafetensorsTensorInfo => {
    const t = byName.get(name);
    if (!t) throw new MuleError('MISSING_WEIGHT', `${file}: no tensor named ${name}`, { file, tensor: name });
    return t;
  };
  const readInto = (t: SafetensorsTensorInfo, target: Uint8Array): void => {
    if (!open) throw new MuleError('IO', `${file}: cannot read tensor ${t.name}: the file is closed`, { file, tensor: t.name });
    readFully(fd, file, target, header.headerBytes + t.dataOffsets[0], t.name);
  };

  return {
    file,
    header,
    metadata: header.metadata,
    tensorNames: header.tensors.map((t) => t.name),
    tensorInfo,
    readTensor(name) {
      const t = tensorInfo(name);
      if (t.dtype !== 'F32') {
        throw new MuleError('WRONG_DTYPE', `${file}: tensor ${name} is ${t.dtype}, expected F32`, { file, tensor: name, expected: 'F32', found: t.dtype });
      }
      assertLittleEndianHost(file);
      const values = new Float32Array(elementCount(t.shape));
      readInto(t, new Uint8Array(values.buffer));
      return values;
    },
    readTensorBytes(name) {
      const t = tensorInfo(name);
      const bytes = new Uint8Array(elementCount(t.shape) * SAFETENSORS_DTYPE_BYTES[t.dtype]);
      readInto(t, bytes);
      return bytes;
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

function readHeaderFrom(fd: number, file: string): SafetensorsHeader {
  const fileBytes = fstatSync(fd).size;
  const prefix = new Uint8Array(SAFETENSORS_LENGTH_PREFIX_BYTES);
  const got = readSome(fd, file, prefix, 0);
  const headerLength = readSafetensorsHeaderLength(prefix.subarray(0, got), { file, fileBytes });
  const bytes = new Uint8Array(SAFETENSORS_LENGTH_PREFIX_BYTES + headerLength);
  bytes.set(prefix);
  readFully(fd, file, bytes.subarray(SAFETENSORS_LENGTH_PREFIX_BYTES), SAFETENSORS_LENGTH_PREFIX_BYTES);
  return parseSafetensorsHeader(bytes, { file, fileBytes });
}

function openForReading(file: string): number {
  try {
    return openSync(file, 'r');
  } catch (cause) {
    throw new MuleError('IO', `${file}: cannot open: ${(cause as Error).message}`, { file, cause });
  }
}

/** readSync moves at most 2 GB per call; larger tensors take several. */
const MAX_READ = 1 << 30;

function readSome(fd: number, file: string, target: Uint8Array, position: number): number {
  let done = 0;
  while (done < target.length) {
    let n: number;
    try {
      n = readSync(fd, target, done, Math.min(target.length - done, MAX_READ), position + done);
    } catch (cause) {
      throw new MuleError('IO', `${file}: read failed at byte ${position + done}: ${(cause as Error).message}`, { file, cause });
    }
    if (n === 0) break;
    done += n;
  }
  return done;
}

function readFully(fd: number, file: string, target: Uint8Array, position: number, tensor?: string): void {
  const got = readSome(fd, file, target, position);
  if (got < target.length) {
    throw new MuleError('TRUNCATED', `${file}: ${tensor ? `tensor ${tensor}: ` : ''}expected ${target.length} bytes at byte ${position}, the file ends after ${got}`, {
      file,
      tensor,
      expected: target.length,
      found: got,
    });
  }
}

/** Float32Array uses the host's byte order; safetensors data is little-endian. */
export function assertLittleEndianHost(file?: string): void {
  if (endianness() !== 'LE') {
    throw new MuleError('UNSUPPORTED', `${file ?? 'safetensors'}: this host is big-endian; safetensors data is little-endian`, { file });
  }
}
