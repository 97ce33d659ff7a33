/**
 * Writes the legacy HDF5 full-model file (`model.save("model.h5")`, and `.keras` names in Keras
 * <= 2.12) the way Keras 2.13.1's `hdf5_format.save_model_to_hdf5` does through h5py, with the
 * attribute types of real files (KERAS_FORMAT §5): `str` values become vlen UTF-8, `.encode()`d
 * bytes vlen ASCII, an empty name list an empty float64 array.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import h5wasm from 'h5wasm/node';
import type { Group } from 'h5wasm/node';
import { buildLegacyKerasModel, legacyDraftParameterCount } from './legacy-keras-model.js';
import type { LegacyKerasModelDraft, LegacyLayerGroup } from './legacy-keras-model.js';
import { pythonJsonDumps } from './python-json.js';
import { FIXTURE_SPECS } from './write-keras.js';
import type { FixtureSize, WriteProgress } from './write-keras.js';

/** `HDF5_OBJECT_HEADER_LIMIT` of hdf5_format.py: above it Keras splits a name list into `name0`, `name1`, ... */
export const HDF5_OBJECT_HEADER_LIMIT = 64512;

export interface WriteLegacyResult {
  file: string;
  bytes: number;
  parameters: number;
}

const VLEN_UTF8 = 'S';
const VLEN_ASCII = 'A';

/**
 * `save_attributes_to_hdf5_group`: a list of bytes becomes a vlen ASCII array, an empty list an
 * empty float64 array. Keras sizes the list as the numpy fixed-length array it would make.
 */
function writeNameList(group: Group, name: string, values: string[], where: string): void {
  if (values.length === 0) {
    group.create_attribute(name, new Float64Array(0), [0], '<d');
    return;
  }
  const itemSize = Math.max(...values.map((v) => Buffer.byteLength(v, 'utf8')));
  if (itemSize * values.length > HDF5_OBJECT_HEADER_LIMIT) {
    throw new Error(
      `${where}: attribute "${name}" (${values.length} names of up to ${itemSize} bytes) exceeds ${HDF5_OBJECT_HEADER_LIMIT} bytes; Keras would split it into "${name}0", "${name}1", ..., which this writer does not do`,
    );
  }
  group.create_attribute(name, values, [values.length], VLEN_ASCII);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

async function writeLegacyFile(draft: LegacyKerasModelDraft, file: string, onProgress?: (p: WriteProgress) => void): Promise<void> {
  await h5wasm.ready;
  const total = legacyDraftParameterCount(draft);
  let done = 0;
  const h5 = new h5wasm.File(file, 'w', { libver: ['earliest', 'latest'] });
  // h5wasm reports HDF5 failures on stderr and returns invalid ids instead of throwing.
  if (h5.file_id < 0n) throw new Error(`cannot create HDF5 file ${file}`);
  const made = new Map<string, Group>();
  const group = (path: string): Group => {
    const known = made.get(path);
    if (known) return known;
    h5.create_group(path);
    const created = h5.get(path);
    if (!(created instanceof h5wasm.Group)) throw new Error(`writing ${file}: could not create group ${path}`);
    made.set(path, created);
    return created;
  };
  const writeLayer = (layer: LegacyLayerGroup): void => {
    const path = `model_weights/${layer.name}`;
    writeNameList(group(path), 'weight_names', layer.weights.map((w) => w.name), `${file} ${path}`);
    for (const w of layer.weights) {
      const datasetPath = `${path}/${w.name}`;
      // h5py makes the intermediate group of `dense_3/kernel:0` on the way; h5wasm does not.
      group(parentOf(datasetPath));
      const values = w.generate();
      if (values.length !== elementCount(w.shape)) {
        throw new Error(`writing ${file}: ${datasetPath} has ${values.length} values for shape [${w.shape.join(', ')}]`);
      }
      h5.create_dataset({ name: datasetPath, data: values, shape: w.shape, dtype: '<f' });
      if (!(h5.get(datasetPath) instanceof h5wasm.Dataset)) throw new Error(`writing ${file}: could not create ${datasetPath}`);
      done += values.length;
      onProgress?.({ phase: 'weights', done, total });
    }
  };
  try {
    // save_model_to_hdf5: model_metadata in dict order; str values are vlen UTF-8, the JSON is bytes.
    h5.create_attribute('keras_version', draft.kerasVersion, [], VLEN_UTF8);
    h5.create_attribute('backend', draft.backend, [], VLEN_UTF8);
    h5.create_attribute('model_config', pythonJsonDumps(draft.modelConfig), [], VLEN_ASCII);
    // save_weights_to_hdf5_group: bytes attributes, then the layer groups sorted by name.
    const weightsGroup = group('model_weights');
    writeNameList(weightsGroup, 'layer_names', draft.layerNames, `${file} model_weights`);
    weightsGroup.create_attribute('backend', draft.backend, [], VLEN_ASCII);
    weightsGroup.create_attribute('keras_version', draft.kerasVersion, [], VLEN_ASCII);
    const byName = [...draft.layers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    byName.forEach(writeLayer);
    // A Functional model has no weights of its own.
    writeNameList(group('model_weights/top_level_model_weights'), 'weight_names', [], `${file} top_level_model_weights`);
  } finally {
    h5.close();
  }
}

/** Writes the draft as a legacy `.h5` model file, atomically (a temporary file beside `outFile`, renamed at the end). */
export async function writeLegacyKerasH5(
  draft: LegacyKerasModelDraft,
  outFile: string,
  options: { onProgress?: (p: WriteProgress) => void } = {},
): Promise<WriteLegacyResult> {
  const dir = await stat(dirname(outFile)).catch(() => null);
  if (!dir?.isDirectory()) throw new Error(`cannot write ${outFile}: directory ${dirname(outFile)} does not exist`);
  const temp = join(dirname(outFile), `.${basename(outFile)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeLegacyFile(draft, temp, options.onProgress);
    const bytes = (await stat(temp)).size;
    await rename(temp, outFile);
    return { file: outFile, bytes, parameters: legacyDraftParameterCount(draft) };
  } finally {
    await rm(temp, { force: true });
  }
}

export interface WriteLegacyFixtureOptions {
  size: FixtureSize;
  seed: number;
  out: string;
  onProgress?: (p: WriteProgress) => void;
}

/** Builds and writes a generated SF-NFNet-F0 legacy `.h5` (random weights, not the real MULE model). */
export async function writeLegacyKerasFixture(options: WriteLegacyFixtureOptions): Promise<WriteLegacyResult> {
  const draft = buildLegacyKerasModel(FIXTURE_SPECS[options.size], { seed: options.seed });
  return writeLegacyKerasH5(draft, options.out, { onProgress: options.onProgress });
}
