import type { Hdf5Dataset, Hdf5Tree } from './hdf5-tree.js';
import type { KerasLayer, KerasWeight } from './types.js';

/** Where each layer's weights are, for a `.keras` (v3) weights file. */
export interface WeightAssignment {
  weights: KerasWeight[];
  /** Per layer (config order): its group as a logical path, or null. */
  layerGroups: Array<string | null>;
  notes: string[];
}

/** Keras 2.12-2.14 keep model layers here; 2.15+ and Keras 3 use `layers`. */
const OLD_LAYER_PREFIX = '_layer_checkpoint_dependencies';
const LAYER_PREFIX = 'layers';

/**
 * Assigns the groups of a v3 weights file to the config's layers. Groups are named after the
 * layer's class, not its name: for each class `C`, the groups `snake(C)`, `snake(C)_N` sorted by N
 * belong, in order, to the layers of class C in config order. Keras 2.13 skips a number after
 * every layer with weights (`conv2d`, `conv2d_2`), which this ordering absorbs. Groups outside
 * the layer prefix (`optimizer`, `metrics`, `vars`) are not assigned.
 */
export function assignV3Weights(layers: KerasLayer[], tree: Hdf5Tree, snakeCase: (className: string) => string): WeightAssignment {
  const nodes = [...tree.groups, ...tree.datasets];
  const prefix = nodes.some((n) => n.segments[0] === OLD_LAYER_PREFIX) ? OLD_LAYER_PREFIX : LAYER_PREFIX;
  const groupNames = [...new Set(nodes.filter((n) => n.segments[0] === prefix && n.segments.length >= 2).map((n) => n.segments[1] as string))];

  const layersByBase = new Map<string, KerasLayer[]>();
  for (const layer of layers) {
    const base = snakeCase(layer.className);
    layersByBase.set(base, [...(layersByBase.get(base) ?? []), layer]);
  }

  const layerGroups: Array<string | null> = layers.map(() => null);
  const groupOfLayer = new Map<number, string>();
  const claimed = new Set<string>();
  const notes: string[] = [];
  for (const [base, classLayers] of layersByBase) {
    const groups = groupsOf(base, groupNames);
    classLayers.forEach((layer, k) => {
      const group = groups[k];
      if (group === undefined) return;
      groupOfLayer.set(layer.index, group);
      layerGroups[layer.index] = `${prefix}/${group}`;
      claimed.add(group);
    });
    if (groups.length < classLayers.length && !(base === 'input_layer' && groups.length === 0)) {
      notes.push(`${classLayers.length} ${classLayers[0]?.className} layer(s) but ${groups.length} "${base}" group(s) under ${prefix}/`);
    }
  }
  const unclaimed = groupNames.filter((g) => !claimed.has(g));
  if (unclaimed.length > 0) notes.push(`groups under ${prefix}/ that no config layer claims: ${unclaimed.join(', ')}`);

  const weights: KerasWeight[] = [];
  for (const layer of layers) {
    const group = groupOfLayer.get(layer.index);
    if (group === undefined) continue;
    const owned = tree.datasets
      .filter((d) => d.segments[0] === prefix && d.segments[1] === group && d.segments.length > 2)
      .map((d) => ({ dataset: d, slot: d.segments.slice(2) }))
      .sort((a, b) => compareSlots(a.slot, b.slot));
    for (const { dataset, slot } of owned) weights.push(toWeight(dataset, layer, slot.join('/')));
  }
  return { weights, layerGroups, notes };
}

/** The groups `base` and `base_N`, ordered by N (no suffix = 0). */
function groupsOf(base: string, groupNames: string[]): string[] {
  const suffixed = new RegExp(`^${escapeRegExp(base)}(?:_(\\d+))?$`);
  return groupNames
    .map((name) => ({ name, match: suffixed.exec(name) }))
    .filter((g): g is { name: string; match: RegExpExecArray } => g.match !== null)
    .map((g) => ({ name: g.name, n: g.match[1] === undefined ? 0 : Number(g.match[1]) }))
    .sort((a, b) => a.n - b.n)
    .map((g) => g.name);
}

/**
 * Slot order: the layer's own `vars` before sub-objects (`layer/`), numeric names numerically
 * (`vars/2` before `vars/10`, unlike HDF5's name order), other names by code point.
 */
export function compareSlots(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x === y) continue;
    if (x === 'vars') return -1;
    if (y === 'vars') return 1;
    const xNumeric = /^\d+$/.test(x);
    const yNumeric = /^\d+$/.test(y);
    if (xNumeric && yNumeric) return Number(x) - Number(y);
    if (xNumeric !== yNumeric) return xNumeric ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function toWeight(dataset: Hdf5Dataset, layer: KerasLayer, slot: string): KerasWeight {
  return {
    path: dataset.path,
    dtype: dataset.dtype,
    shape: dataset.shape,
    layerIndex: layer.index,
    layerName: layer.name,
    className: layer.className,
    slot,
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
