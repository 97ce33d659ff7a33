import h5wasm, { Module } from 'h5wasm/node';
import type { Dataset, Group } from 'h5wasm/node';
import { MuleError } from '@mule-ts/runtime';
import { numpyDtype } from './hdf5-tree.js';
import type { H5File } from './hdf5-tree.js';

const H5T_FLOAT = 1;

/**
 * Reads one dataset as float32: f4 as stored, f2 and f8 converted (byte order is handled by
 * HDF5, which hands data over little-endian). Any other type is a WRONG_DTYPE error.
 */
export function readDatasetFloat32(file: H5File, path: string, label: string): Float32Array {
  const dataset = getDataset(file, path, label);
  const metadata = dataset.metadata;
  if (metadata.type === H5T_FLOAT && !metadata.vlen) {
    const bytes = readRawBytes(file, dataset, metadata.size * metadata.total_size);
    if (metadata.size === 4) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    if (metadata.size === 8) return Float32Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8));
    if (metadata.size === 2) return halfToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2));
  }
  throw new MuleError(
    'WRONG_DTYPE',
    `${label}: dataset "${path}" holds ${numpyDtype(metadata)}, not a float (expected <f4, <f2 or <f8)`,
    { file: label, tensor: path, expected: '<f4', found: numpyDtype(metadata) },
  );
}

function getDataset(file: H5File, path: string, label: string): Dataset {
  const stored = path.startsWith('/') ? path : `/${path}`;
  const entity = file.get(stored);
  if (entity instanceof h5wasm.Dataset) return entity;
  throw new MuleError('MISSING_WEIGHT', `${label} has no dataset "${path}"`, { file: label, tensor: path });
}

function readRawBytes(file: H5File, dataset: Dataset, byteCount: number): Uint8Array {
  if (byteCount === 0) return new Uint8Array(0);
  const pointer = Module._malloc(byteCount);
  try {
    Module.get_dataset_data(file.file_id, dataset.path, null, null, null, BigInt(pointer));
    return Module.HEAPU8.slice(pointer, pointer + byteCount);
  } finally {
    Module._free(pointer);
  }
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
