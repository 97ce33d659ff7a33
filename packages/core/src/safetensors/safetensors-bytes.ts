/**
 * A safetensors file held in memory (fetched in a browser, or read whole): the header validated
 * as strictly as the file reader validates it, each tensor copied out on request.
 */
import { MuleError } from '../errors/mule-error.js';
import { elementCount } from '../spec/canonical-names.js';
import { SAFETENSORS_DTYPE_BYTES } from './dtypes.js';
import { SAFETENSORS_LENGTH_PREFIX_BYTES, parseSafetensorsHeader, readSafetensorsHeaderLength, type SafetensorsHeader } from './parse-header.js';
import type { SafetensorsTensorInfo } from './tensor-layout.js';

export interface SafetensorsBytes {
  /** What errors name: a file name or URL. */
  readonly source: string;
  readonly header: SafetensorsHeader;
  readonly metadata: Readonly<Record<string, string>>;
  /** In header order. */
  readonly tensorNames: readonly string[];
  /** The header entry of `name`; MISSING_WEIGHT when there is no such tensor. */
  tensorInfo(name: string): SafetensorsTensorInfo;
  /** A copy of an F32 tensor's values (row-major); WRONG_DTYPE for any other dtype. */
  tensor(name: string): Float32Array;
  /** The raw little-endian bytes of a tensor of any dtype (a view, not a copy). */
  tensorBytes(name: string): Uint8Array;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function readSafetensorsBytes(bytes: Uint8Array, source = 'safetensors'): SafetensorsBytes {
  const options = { file: source, fileBytes: bytes.length };
  const headerLength = readSafetensorsHeaderLength(bytes.subarray(0, SAFETENSORS_LENGTH_PREFIX_BYTES), options);
  if (bytes.length < SAFETENSORS_LENGTH_PREFIX_BYTES + headerLength) {
    throw new MuleError('TRUNCATED', `${source}: the header needs ${headerLength} bytes after the length prefix, only ${bytes.length - SAFETENSORS_LENGTH_PREFIX_BYTES} are there`, {
      file: source,
      expected: headerLength,
      found: bytes.length - SAFETENSORS_LENGTH_PREFIX_BYTES,
    });
  }
  const header = parseSafetensorsHeader(bytes.subarray(0, SAFETENSORS_LENGTH_PREFIX_BYTES + headerLength), options);
  const byName = new Map(header.tensors.map((t) => [t.name, t]));
  const tensorInfo = (name: string): SafetensorsTensorInfo => {
    const t = byName.get(name);
    if (!t) throw new MuleError('MISSING_WEIGHT', `${source}: no tensor named ${name}`, { file: source, tensor: name });
    return t;
  };
  const tensorBytes = (name: string): Uint8Array => {
    const t = tensorInfo(name);
    const start = header.headerBytes + t.dataOffsets[0];
    return bytes.subarray(start, start + elementCount(t.shape) * SAFETENSORS_DTYPE_BYTES[t.dtype]);
  };
  return {
    source,
    header,
    metadata: header.metadata,
    tensorNames: header.tensors.map((t) => t.name),
    tensorInfo,
    tensor(name) {
      const t = tensorInfo(name);
      if (t.dtype !== 'F32') {
        throw new MuleError('WRONG_DTYPE', `${source}: tensor ${name} is ${t.dtype}, expected F32`, { file: source, tensor: name, expected: 'F32', found: t.dtype });
      }
      if (!LITTLE_ENDIAN_HOST) throw new MuleError('UNSUPPORTED', `${source}: this host is big-endian; safetensors data is little-endian`, { file: source });
      const values = new Float32Array(elementCount(t.shape));
      new Uint8Array(values.buffer).set(tensorBytes(name));
      return values;
    },
    tensorBytes,
  };
}
