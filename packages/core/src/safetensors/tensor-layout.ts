/**
 * The tensor table of a safetensors file and the rules it must obey: every byte length matches
 * dtype x shape, and the ranges tile the byte buffer from 0 with no hole and no overlap.
 * Empty tensors (a 0 in the shape) are allowed by the spec and occupy an empty range [x, x];
 * a shape [] is a scalar of one element.
 */
import { MuleError } from '../errors/mule-error.js';
import { elementCount } from '../spec/canonical-names.js';
import { SAFETENSORS_DTYPE_BYTES, type SafetensorsDtype } from './dtypes.js';

export interface SafetensorsTensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** [begin, end) relative to the start of the byte buffer (the byte after the header). */
  dataOffsets: [number, number];
}

/** What a layout is planned from: a tensor before it has offsets. */
export interface SafetensorsTensorShape {
  name: string;
  dtype: SafetensorsDtype;
  shape: readonly number[];
}

/** The reserved header key for the string-to-string metadata map. */
export const METADATA_KEY = '__metadata__';

/** Names the file in messages, or says the header was not read from one. */
export function describeSource(file: string | undefined): string {
  return file ?? '(safetensors header in memory)';
}

/** dtype x shape in bytes; throws WRONG_SHAPE naming the tensor for a bad dimension. */
export function tensorByteLength(t: SafetensorsTensorShape, file?: string): number {
  for (const d of t.shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new MuleError('WRONG_SHAPE', `${describeSource(file)}: tensor ${t.name} has an invalid dimension ${d} in shape [${t.shape.join(', ')}]`, {
        file,
        tensor: t.name,
        found: t.shape,
      });
    }
  }
  const bytes = elementCount(t.shape) * SAFETENSORS_DTYPE_BYTES[t.dtype];
  if (!Number.isSafeInteger(bytes)) {
    throw new MuleError('WRONG_SHAPE', `${describeSource(file)}: tensor ${t.name} of shape [${t.shape.join(', ')}] is too large`, {
      file,
      tensor: t.name,
      found: t.shape,
    });
  }
  return bytes;
}

/** Assigns contiguous offsets in the given order, as a writer lays tensors out. */
export function planSafetensorsLayout(tensors: readonly SafetensorsTensorShape[], file?: string): SafetensorsTensorInfo[] {
  let offset = 0;
  const planned = tensors.map((t): SafetensorsTensorInfo => {
    const begin = offset;
    offset += tensorByteLength(t, file);
    return { name: t.name, dtype: t.dtype, shape: [...t.shape], dataOffsets: [begin, offset] };
  });
  validateSafetensorsLayout(planned, { file });
  return planned;
}

/**
 * Checks names, byte lengths and the tiling of the byte buffer; returns the buffer's length.
 * With `dataBytes` the ranges must cover exactly that many bytes (TRUNCATED when they reach
 * past it, a hole when they stop short of it).
 */
export function validateSafetensorsLayout(
  tensors: readonly SafetensorsTensorInfo[],
  options: { file?: string | undefined; dataBytes?: number | undefined } = {},
): number {
  const { file, dataBytes } = options;
  const where = describeSource(file);
  const seen = new Set<string>();
  for (const t of tensors) {
    if (t.name === METADATA_KEY) {
      throw new MuleError('MALFORMED_JSON', `${where}: ${METADATA_KEY} is reserved and cannot name a tensor`, { file, tensor: t.name });
    }
    if (seen.has(t.name)) {
      throw new MuleError('MALFORMED_JSON', `${where}: tensor ${t.name} appears twice`, { file, tensor: t.name });
    }
    seen.add(t.name);
    const [begin, end] = t.dataOffsets;
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < begin) {
      throw new MuleError('MALFORMED_JSON', `${where}: tensor ${t.name} has invalid data_offsets [${begin}, ${end}]`, {
        file,
        tensor: t.name,
        found: t.dataOffsets,
      });
    }
    const expected = tensorByteLength(t, file);
    if (end - begin !== expected) {
      throw new MuleError(
        'WRONG_SHAPE',
        `${where}: tensor ${t.name} (${t.dtype} [${t.shape.join(', ')}]) needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`,
        { file, tensor: t.name, expected, found: end - begin },
      );
    }
  }

  const byStart = [...tensors].sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let covered = 0;
  let previous: SafetensorsTensorInfo | undefined;
  for (const t of byStart) {
    const [begin, end] = t.dataOffsets;
    if (begin < covered) {
      throw new MuleError(
        'MALFORMED_JSON',
        `${where}: tensor ${t.name} [${begin}, ${end}] overlaps tensor ${previous?.name} [${previous?.dataOffsets.join(', ')}]`,
        { file, tensor: t.name, expected: covered, found: begin },
      );
    }
    if (begin > covered) {
      throw new MuleError('MALFORMED_JSON', `${where}: hole in the byte buffer: bytes [${covered}, ${begin}) before tensor ${t.name} belong to no tensor`, {
        file,
        tensor: t.name,
        expected: covered,
        found: begin,
      });
    }
    covered = end;
    previous = t;
  }
  if (dataBytes !== undefined) {
    if (covered > dataBytes) {
      throw new MuleError('TRUNCATED', `${where}: tensor ${previous?.name} ends at byte ${covered} of the byte buffer but the buffer holds ${dataBytes}`, {
        file,
        tensor: previous?.name,
        expected: covered,
        found: dataBytes,
      });
    }
    if (covered < dataBytes) {
      throw new MuleError('MALFORMED_JSON', `${where}: hole in the byte buffer: bytes [${covered}, ${dataBytes}) at its end belong to no tensor`, {
        file,
        expected: covered,
        found: dataBytes,
      });
    }
  }
  return covered;
}
