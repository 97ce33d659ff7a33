import { MuleError } from '@mule-ts/core';
import h5wasm, { Module } from 'h5wasm';
import type { File as H5File, Group, Metadata } from 'h5wasm';
import { hdf5ErrorReason, withHdf5Errors } from './hdf5-errors.js';
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
  /** As h5wasm reports it (type class, element size, ...). */
  metadata: Metadata;
}

export interface Hdf5Tree {
  groups: Hdf5Node[];
  datasets: Hdf5Dataset[];
}

/** Keras files nest a few levels; anything deeper is a link cycle or not a Keras file. */
const MAX_DEPTH = 64;

/** Every group and dataset below the root, depth first, each group's links in link order. */
export function walkHdf5(file: H5File, label: string): Hdf5Tree {
  const tree: Hdf5Tree = { groups: [], datasets: [] };
  withHdf5Errors(
    () => visitGroup(file, childTypesOf(file), '', [], 0, tree, label),
    (cause) => {
      const at = tree.datasets.at(-1)?.path ?? tree.groups.at(-1)?.path;
      return new MuleError('TRUNCATED', `${label} is a corrupt HDF5 file: reading its object tree failed${at ? ` after "${at}"` : ''}: ${hdf5ErrorReason(cause)}`, {
        file: label,
        cause,
        hint: 'the file is damaged: download or copy it again',
      });
    },
  );
  return tree;
}

/** HDF5's H5O_type_t, as h5wasm's `get_types` reports a group's children. */
const H5O_TYPE_GROUP = 0;
const H5O_TYPE_DATASET = 1;

type ChildTypes = Record<string, number>;
type Child = { group: Group; childTypes: ChildTypes } | { metadata: Metadata };

function visitGroup(group: Group, childTypes: ChildTypes, path: string, segments: string[], depth: number, tree: Hdf5Tree, label: string): void {
  if (depth > MAX_DEPTH) {
    throw new MuleError('UNSUPPORTED', `${label}: HDF5 groups nest deeper than ${MAX_DEPTH} levels at "${path}" (a link cycle?)`, {
      file: label,
      tensor: path,
    });
  }
  for (const name of group.keys()) {
    const childPath = path === '' ? name : `${path}/${name}`;
    const childSegments = [...segments, ...splitLinkName(name)];
    const child = openChild(group, name, Object.hasOwn(childTypes, name) ? childTypes[name] : undefined);
    if (child === null) continue;
    if ('group' in child) {
      tree.groups.push({ path: childPath, segments: childSegments });
      visitGroup(child.group, child.childTypes, childPath, childSegments, depth + 1, tree, label);
    } else {
      tree.datasets.push(describeDataset(child.metadata, childPath, childSegments));
    }
  }
}

/**
 * A group's children's types in one call. Resolving each child by its path instead (`group.get`)
 * costs a lookup from the root per object, most of the time it takes to walk a 1,700-object file.
 */
function childTypesOf(group: Group): ChildTypes {
  return (Module as typeof Module & ModuleGetTypes).get_types(group.file_id, group.path);
}

/** Bound by h5wasm's module (`get_child_types` in hdf5_util.cc) but missing from its typings. */
interface ModuleGetTypes {
  get_types(file_id: bigint, path: string): ChildTypes;
}

/**
 * The child as a group or a dataset, or null for anything else (a broken soft link, an external
 * link, a named datatype). `get_types` cannot resolve a broken or external link and then reports a
 * stale type, so a failure on the known-type path falls back to `group.get`, which tells them apart.
 */
function openChild(group: Group, name: string, type: number | undefined): Child | null {
  const path = group.path === '/' ? `/${name}` : `${group.path}/${name}`;
  try {
    if (type === H5O_TYPE_GROUP) {
      const child = new h5wasm.Group(group.file_id, path);
      return { group: child, childTypes: childTypesOf(child) };
    }
    if (type === H5O_TYPE_DATASET) return { metadata: Module.get_dataset_metadata(group.file_id, path) };
  } catch {
    // fall through: see above
  }
  const child = group.get(name);
  if (child instanceof h5wasm.Group) return { group: child, childTypes: childTypesOf(child) };
  if (child instanceof h5wasm.Dataset) return { metadata: child.metadata };
  return null;
}

/** Windows Keras 2.12-2.15 wrote `os.path.join` paths as single link names containing `\`. */
export function splitLinkName(name: string): string[] {
  return name.split(/[\\/]/).filter((s) => s.length > 0);
}

function describeDataset(metadata: Metadata, path: string, segments: string[]): Hdf5Dataset {
  const shape = metadata.shape ?? [];
  const elements = shape.reduce((a, b) => a * b, 1);
  return { path, segments, dtype: numpyDtype(metadata), shape: [...shape], bytes: elements * metadata.size, metadata };
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
