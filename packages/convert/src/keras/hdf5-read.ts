import { MuleError } from '@mule-ts/core';
import h5wasm, { Module } from 'h5wasm';
import type { Dataset, Group, Metadata } from 'h5wasm';
import { hdf5ErrorReason, withHdf5Errors } from './hdf5-errors.js';
import { numpyDtype } from './hdf5-tree.js';
import type { H5File } from './hdf5-tree.js';

const H5T_FLOAT = 1;

/**
 * Reads float datasets as float32 through one buffer in h5wasm's heap, reused from dataset to
 * dataset: f4 as stored, f2 and f8 converted (byte order is handled by HDF5, which hands data over
 * little-endian). Any other type is a WRONG_DTYPE error. `close()` frees the buffer.
 */
export class Float32DatasetReader {
  private pointer = 0;
  private capacity = 0;

  /**
   * `known`: the datasets' metadata by path (no leading `/`), e.g. from `walkHdf5`, to skip looking
   * them up. `readFailure`: why the underlying file could not be read, when HDF5 reports a failed read.
   */
  constructor(
    private readonly file: H5File,
    private readonly label: string,
    private readonly known: ReadonlyMap<string, Metadata> = new Map(),
    private readonly readFailure: () => MuleError | null = () => null,
  ) {}

  /** The dataset's values, in a new array. */
  read(path: string): Float32Array {
    return this.withValues(path, (values) => values.slice());
  }

  /**
   * Lends `use` the dataset's values without copying them out: the view (into h5wasm's heap for
   * f4) is valid only during the call, and `use` must neither keep it nor call h5wasm.
   */
  withValues<R>(path: string, use: (values: Float32Array) => R): R {
    const stored = path.startsWith('/') ? path : `/${path}`;
    const metadata = this.known.get(stored.slice(1)) ?? getDataset(this.file, stored, this.label).metadata;
    if (metadata.type === H5T_FLOAT && !metadata.vlen && [2, 4, 8].includes(metadata.size)) {
      const bytes = this.readRawBytes(stored, metadata.size * metadata.total_size);
      if (metadata.size === 4) return use(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
      if (metadata.size === 8) return use(Float32Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8)));
      return use(halfToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2)));
    }
    throw new MuleError(
      'WRONG_DTYPE',
      `${this.label}: dataset "${path}" holds ${numpyDtype(metadata)}, not a float (expected <f4, <f2 or <f8)`,
      { file: this.label, tensor: path, expected: '<f4', found: numpyDtype(metadata) },
    );
  }

  close(): void {
    if (this.pointer !== 0) Module._free(this.pointer);
    this.pointer = 0;
    this.capacity = 0;
  }

  /** The dataset's bytes as a view of h5wasm's heap (valid until the next h5wasm call). */
  private readRawBytes(path: string, byteCount: number): Uint8Array {
    if (byteCount === 0) return new Uint8Array(0);
    if (byteCount > this.capacity) {
      this.close();
      this.pointer = Module._malloc(byteCount);
      if (this.pointer === 0) throw new MuleError('IO', `${this.label}: cannot allocate ${byteCount} bytes to read "${path}"`, { file: this.label, tensor: path });
      this.capacity = byteCount;
    }
    const status = withHdf5Errors(
      () => Module.get_dataset_data(this.file.file_id, path, null, null, null, BigInt(this.pointer)),
      (cause) => this.readFailure() ?? new MuleError('TRUNCATED', `${this.label}: cannot read dataset "${path.slice(1)}": ${hdf5ErrorReason(cause)}`, { file: this.label, tensor: path.slice(1), cause }),
    );
    if (status < 0) {
      throw this.readFailure() ?? new MuleError('TRUNCATED', `${this.label}: cannot read dataset "${path.slice(1)}" (HDF5 status ${status})`, { file: this.label, tensor: path.slice(1) });
    }
    // Read HEAPU8 after the call: the heap may have grown (and moved) during it.
    return Module.HEAPU8.subarray(this.pointer, this.pointer + byteCount);
  }
}

/** Reads one dataset as float32 (see `Float32DatasetReader`). */
export function readDatasetFloat32(file: H5File, path: string, label: string): Float32Array {
  const reader = new Float32DatasetReader(file, label);
  try {
    return reader.read(path);
  } finally {
    reader.close();
  }
}

function getDataset(file: H5File, stored: string, label: string): Dataset {
  const entity = file.get(stored);
  if (entity instanceof h5wasm.Dataset) return entity;
  const path = stored.slice(1);
  throw new MuleError('MISSING_WEIGHT', `${label} has no dataset "${path}"`, { file: label, tensor: path });
}

/** IEEE 754 binary16 to binary32, exact (every half value is representable). */
export function halfToFloat32(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) {
    const h = halves[i] as number;
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) out[i] = sign * fraction * 2 ** -24;
    else if (exponent === 0x1f) out[i] = fraction === 0 ? sign * Infinity : Number.NaN;
    else out[i] = sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  return out;
}

/** A string attribute (vlen or fixed-length), or null when absent or not a string. */
export function readStringAttribute(object: Group, name: string): string | null {
  const attribute = object.attrs[name];
  if (attribute === undefined) return null;
  const value = attribute.value;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0];
  return null;
}

/**
 * A list-of-strings attribute such as `layer_names` or `weight_names`. Keras splits one larger
 * than 64 KB into `name0`, `name1`, ...; a weightless layer stores an empty float64 array.
 */
export function readStringListAttribute(object: Group, name: string): string[] | null {
  const attributes = object.attrs;
  if (attributes[name] !== undefined) return toStringList(attributes[name].value);
  if (attributes[`${name}0`] === undefined) return null;
  const parts: string[] = [];
  for (let chunk = 0; attributes[`${name}${chunk}`] !== undefined; chunk++) {
    parts.push(...toStringList(attributes[`${name}${chunk}`]?.value ?? null));
  }
  return parts;
}

function toStringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
