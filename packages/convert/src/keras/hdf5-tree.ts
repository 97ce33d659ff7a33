import { resolve } from 'node:path';
import h5wasm, { Module } from 'h5wasm/node';
import type { Dataset, File as H5File, Group, Metadata } from 'h5wasm/node';
import { MuleError } from '@mule-ts/runtime';
import type { KerasDatasetInfo } from './types.js';

export type { H5File };

/** A group or dataset: its path as stored and its logical path (link names split on `/` and `\`). */
export interface Hdf5Node {
  /** As stored, without a leading `/`: `_layer_checkpoint_dependencies\conv2d/vars/0`. */
  path: string;
  /** Split on `/` and `\`: `['_layer_checkpoint_dependencies', 'conv2d', 'vars', '0']`. */
  segments: string[];
}

export interface Hdf5Dataset extends Hdf5Node, KerasDatasetInfo {
  /** Size of the data in bytes (elements x element size). */
  bytes: number;
}

export interface Hdf5Tree {
  groups: Hdf5Node[];
  datasets: Hdf5Dataset[];
}

/** Keras files nest a few levels; anything deeper is a link cycle or not a Keras file. */
const MAX_DEPTH = 64;

/**
 * Opens an HDF5 file read-only with h5wasm (which reads the real file on disk). `label` is the
 * name used in error messages (the user's file, plus the member for an extracted weights file).
 */
export async function openHdf5(path: string, label: string): Promise<H5File> {
  await h5wasm.ready;
  let file: H5File;
  // The throwing handler turns HDF5's error stack into an exception instead of stderr noise.
  Module.activate_throwing_error_handler();
  try {
    file = new h5wasm.File(resolve(path), 'r');
  } catch (cause) {
    throw new MuleError('TRUNCATED', `${label} is a truncated or corrupt HDF5 file: ${firstLine(cause)}`, { file: label, cause });
  } finally {
    Module.deactivate_throwing_error_handler();
  }
  if (file.file_id < 0n) throw new MuleError('TRUNCATED', `${label} could not be opened as an HDF5 file`, { file: label });
  return file;
}

/** Every group and dataset below the root, depth first, each group's links in link order. */
export function walkHdf5(file: H5File, label: string): Hdf5Tree {
  const tree: Hdf5Tree = { groups: [], datasets: [] };
  visitGroup(file, '', [], 0, tree, label);
  return tree;
}

function visitGroup(group: Group, path: string, segments: string[], depth: number, tree: Hdf5Tree, label: string): void {
  if (depth > MAX_DEPTH) {
    throw new MuleError('UNSUPPORTED', `${label}: HDF5 groups nest deeper than ${MAX_DEPTH} levels at "${path}" (a link cycle?)`, {
      file: label,
      tensor: path,
    });
  }
  for (const name of group.keys()) {
    const childPath = path === '' ? name : `${path}/${name}`;
    const childSegments = [...segments, ...splitLinkName(name)];
    const child = group.get(name);
    if (child instanceof h5wasm.Group) {
      tree.groups.push({ path: childPath, segments: childSegments });
      visitGroup(child, childPath, childSegments, depth + 1, tree, label);
    } else if (child instanceof h5wasm.Dataset) {
      tree.datasets.push(describeDataset(child, childPath, childSegments));
    }
  }
}

/** Windows Keras 2.12-2.15 wrote `os.path.join` paths as single link names containing `\`. */
export function splitLinkName(name: string): string[] {
  return name.split(/[\\/]/).filter((s) => s.length > 0);
}

function describeDataset(dataset: Dataset, path: string, segments: string[]): Hdf5Dataset {
  const metadata = dataset.metadata;
  const shape = metadata.shape ?? [];
  const elements = shape.reduce((a, b) => a * b, 1);
  return { path, segments, dtype: numpyDtype(metadata), shape: [...shape], bytes: elements * metadata.size };
}

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_BITFIELD = 4;
const H5T_ENUM = 8;

/** The numpy `dtype.str` h5py reports for a dataset type: '<f4', '<i8', '|u1', '|S8', '|O', ... */
export function numpyDtype(metadata: Metadata): string {
  const order = metadata.size === 1 ? '|' : metadata.littleEndian ? '<' : '>';
  switch (metadata.type) {
    case H5T_FLOAT:
      return `${order}f${metadata.size}`;
    case H5T_INTEGER:
      return `${order}${metadata.signed ? 'i' : 'u'}${metadata.size}`;
    case H5T_BITFIELD:
      return `|V${metadata.size}`;
    case H5T_ENUM:
      // h5py maps HDF5's FALSE/TRUE int8 enum to numpy bool.
      return isBoolEnum(metadata) ? '|b1' : `${order}${metadata.signed ? 'i' : 'u'}${metadata.size}`;
    case H5T_STRING:
      return metadata.vlen ? '|O' : `|S${metadata.size}`;
    default:
      return metadata.vlen ? '|O' : `|V${metadata.size}`;
  }
}

function isBoolEnum(metadata: Metadata): boolean {
  const members = metadata.enum_type?.members;
  return members !== undefined && Object.keys(members).sort().join(',') === 'FALSE,TRUE' && metadata.size === 1;
}

function firstLine(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  // HDF5's error stack: the innermost reason is the most useful ("file signature not found").
  return lines.filter((l) => l.startsWith('#')).pop() ?? lines[0] ?? 'unknown error';
}
