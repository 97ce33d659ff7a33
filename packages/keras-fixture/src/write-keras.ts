/**
 * Writes `.keras` files in the Keras 2.13.1 layout: an in-memory draft (config, metadata, the h5
 * group tree and lazily generated datasets) that tests may mutate, then the archive on disk.
 */
import { MULE_F0_SPEC, type SfNfNetSpec } from '@mule-ts/core';
import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { CHECKPOINT_PREFIX } from './checkpoint-paths.js';
import { buildKerasGraph, kerasModelConfig, layerCheckpointPaths } from './keras-graph.js';
import { pythonJsonDumps } from './python-json.js';
import type { JsonObject } from './python-json.js';
import { SMALL_TEST_SPEC } from './small-options.js';
import { ZIP_EPOCH, writeStoredZip } from './stored-zip.js';
import { generateVariable } from './weights.js';

export const KERAS_VERSION = '2.13.1';

export interface DraftDataset {
  /** Path inside model.weights.h5, without a leading slash, e.g. `_layer_checkpoint_dependencies/dense/vars/0`. */
  path: string;
  /** `[]` writes a scalar dataset. */
  shape: number[];
  /** float32 (`<f4`, what Keras writes) unless set. */
  dtype?: 'float32' | 'float64';
  /** Values in C order; if their count differs from the shape's, they are cycled or cut to fit. */
  generate(): Float32Array;
}

/** Everything a `.keras` file holds, before it is written. Mutate freely to build bad inputs. */
export interface KerasModelDraft {
  /** metadata.json */
  metadata: JsonObject;
  /** config.json */
  config: JsonObject;
  /** h5 groups without a leading slash, in creation order; each dataset is written right after its parent group. */
  groups: string[];
  datasets: DraftDataset[];
}

export interface BuildKerasModelOptions {
  seed: number;
  /** Functional model name; default `model`. */
  modelName?: string;
  /** The `date_saved` of metadata.json; default now. */
  savedAt?: Date;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `time.strftime("%Y-%m-%d@%H:%M:%S")` in local time, as saving_lib writes it. */
export function kerasDateSaved(d: Date): string {
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}@${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** The draft of an SF-NFNet `.keras` file with seeded random weights. */
export function buildKerasModel(spec: SfNfNetSpec, options: BuildKerasModelOptions): KerasModelDraft {
  const graph = buildKerasGraph(spec, options.modelName);
  const layerPaths = layerCheckpointPaths(graph);
  // saving_lib: the root's own `vars` first, then every layer (h5py makes the prefix group on the way).
  const groups = ['vars', CHECKPOINT_PREFIX];
  const datasets: DraftDataset[] = [];
  graph.layers.forEach((layer, i) => {
    const layerPath = layerPaths[i]!;
    groups.push(layerPath, ...layer.subgroups.map((g) => `${layerPath}/${g}`));
    for (const variable of layer.variables) {
      const path = `${layerPath}/${variable.path}`;
      datasets.push({ path, shape: [...variable.shape], generate: () => generateVariable(variable, options.seed, path) });
    }
  });
  return {
    metadata: { keras_version: KERAS_VERSION, date_saved: kerasDateSaved(options.savedAt ?? new Date()) },
    config: kerasModelConfig(graph),
    groups,
    datasets,
  };
}

/** Number of values in the draft's datasets. */
export function draftParameterCount(draft: KerasModelDraft): number {
  return draft.datasets.reduce((acc, d) => acc + d.shape.reduce((a, b) => a * b, 1), 0);
}

function fitToShape(values: Float32Array, count: number): Float32Array {
  if (values.length === count) return values;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = values.length > 0 ? values[i % values.length]! : 0;
  return out;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export interface WriteProgress {
  phase: 'weights' | 'archive';
  /** Values written so far / in total (weights phase); 1 / 1 when the archive is done. */
  done: number;
  total: number;
}

export interface WriteKerasResult {
  file: string;
  bytes: number;
  parameters: number;
  weightsBytes: number;
}

/** Writes the draft's model.weights.h5 with h5wasm (libver earliest..latest: superblock v0, like h5py). */
async function writeWeightsH5(
  draft: KerasModelDraft,
  file: string,
  onProgress?: (p: WriteProgress) => void,
): Promise<void> {
  await h5wasm.ready;
  const total = draftParameterCount(draft);
  let done = 0;
  const h5 = new h5wasm.File(file, 'w', { libver: ['earliest', 'latest'] });
  // h5wasm reports HDF5 failures on stderr and returns invalid ids instead of throwing.
  if (h5.file_id < 0n) throw new Error(`cannot create HDF5 file ${file}`);
  const check = (path: string, kind: typeof h5wasm.Group | typeof h5wasm.Dataset): void => {
    if (!(h5.get(path) instanceof kind)) throw new Error(`writing ${file}: could not create ${path}`);
  };
  try {
    const made = new Set<string>(['']);
    const ensureGroup = (path: string): void => {
      if (made.has(path)) return;
      ensureGroup(parentOf(path));
      h5.create_group(path);
      check(path, h5wasm.Group);
      made.add(path);
    };
    const byParent = new Map<string, DraftDataset[]>();
    for (const d of draft.datasets) byParent.set(parentOf(d.path), [...(byParent.get(parentOf(d.path)) ?? []), d]);
    const writeDataset = (d: DraftDataset): void => {
      ensureGroup(parentOf(d.path));
      const count = d.shape.reduce((a, b) => a * b, 1);
      const values = fitToShape(d.generate(), count);
      const data = d.dtype === 'float64' ? Float64Array.from(values) : values;
      h5.create_dataset({ name: d.path, data, shape: d.shape, dtype: d.dtype === 'float64' ? '<d' : '<f' });
      check(d.path, h5wasm.Dataset);
      done += count;
      onProgress?.({ phase: 'weights', done, total });
    };
    for (const group of draft.groups) {
      ensureGroup(group);
      for (const d of byParent.get(group) ?? []) writeDataset(d);
      byParent.delete(group);
    }
    for (const rest of byParent.values()) rest.forEach(writeDataset);
  } finally {
    h5.close();
  }
}

/**
 * Writes the draft as a `.keras` zip (stored members metadata.json, config.json, model.weights.h5),
 * atomically: temporary files beside `outFile`, renamed at the end, removed on failure.
 */
export async function writeKerasArchive(
  draft: KerasModelDraft,
  outFile: string,
  options: { onProgress?: (p: WriteProgress) => void } = {},
): Promise<WriteKerasResult> {
  const stem = join(dirname(outFile), `.${basename(outFile)}.${process.pid}.${randomBytes(4).toString('hex')}`);
  const h5Temp = `${stem}.h5.tmp`;
  const zipTemp = `${stem}.tmp`;
  const dir = await stat(dirname(outFile)).catch(() => null);
  if (!dir?.isDirectory()) throw new Error(`cannot write ${outFile}: directory ${dirname(outFile)} does not exist`);
  try {
    await writeWeightsH5(draft, h5Temp, options.onProgress);
    const weightsBytes = (await stat(h5Temp)).size;
    const bytes = await writeStoredZip(zipTemp, [
      { name: 'metadata.json', date: ZIP_EPOCH, source: { kind: 'buffer', data: Buffer.from(pythonJsonDumps(draft.metadata)) } },
      { name: 'config.json', date: ZIP_EPOCH, source: { kind: 'buffer', data: Buffer.from(pythonJsonDumps(draft.config)) } },
      { name: 'model.weights.h5', date: new Date(), source: { kind: 'file', path: h5Temp } },
    ]);
    await rename(zipTemp, outFile);
    options.onProgress?.({ phase: 'archive', done: 1, total: 1 });
    return { file: outFile, bytes, parameters: draftParameterCount(draft), weightsBytes };
  } finally {
    await rm(h5Temp, { force: true });
    await rm(zipTemp, { force: true });
  }
}

export type FixtureSize = 'full' | 'small';

export const FIXTURE_SPECS: Readonly<Record<FixtureSize, Readonly<SfNfNetSpec>>> = {
  full: MULE_F0_SPEC,
  small: SMALL_TEST_SPEC,
};

export interface WriteKerasFixtureOptions {
  size: FixtureSize;
  seed: number;
  out: string;
  onProgress?: (p: WriteProgress) => void;
}

/** Builds and writes a generated SF-NFNet-F0 `.keras` (random weights, not the real MULE model). */
export async function writeKerasFixture(options: WriteKerasFixtureOptions): Promise<WriteKerasResult> {
  const draft = buildKerasModel(FIXTURE_SPECS[options.size], { seed: options.seed });
  return writeKerasArchive(draft, options.out, { onProgress: options.onProgress });
}
