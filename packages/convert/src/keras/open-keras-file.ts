import { MuleError, sha256File } from '@mule-ts/runtime';
import { readFileOnce } from '../archive/read-file-once.js';
import { sniffContainer } from '../archive/sniff-container.js';
import { ZipArchive } from '../archive/zip-archive.js';
import { openHdf5InMemory } from './hdf5-in-memory.js';
import type { InMemoryHdf5 } from './hdf5-in-memory.js';
import { Float32DatasetReader } from './hdf5-read.js';
import { walkHdf5 } from './hdf5-tree.js';
import type { H5File, Hdf5Tree } from './hdf5-tree.js';
import { isPlainObject } from './inbound-nodes.js';
import { readLegacyModel } from './legacy-weights.js';
import { parseModelConfig } from './model-config.js';
import type { KerasModelConfig } from './model-config.js';
import { parsePythonJson } from './python-json.js';
import { snakeCaseFor } from './snake-case.js';
import type { KerasContainer, KerasDatasetInfo, KerasModelFile, KerasWeight } from './types.js';
import { assignV3Weights } from './v3-weights.js';

export interface OpenKerasFileOptions {
  /** Also compute the sha256 of the whole file (`sourceSha256`), from the same single read. */
  sha256?: boolean;
}

const CONFIG_MEMBER = 'config.json';
const METADATA_MEMBER = 'metadata.json';
const WEIGHTS_MEMBER = 'model.weights.h5';

/**
 * Opens any Keras model file without TensorFlow: a `.keras` zip (Keras 2.12+ and 3) or a legacy
 * HDF5 file (`.h5`, and `.keras` from Keras <= 2.12), decided by the magic bytes. The file is read
 * once, sequentially, into memory (the zip member's CRC-32 and, if asked, the file's sha256 are
 * computed during that read), and h5wasm reads the weights from there: nothing is written to
 * disk, and `close()` frees the memory.
 */
export async function openKerasFile(file: string, options: OpenKerasFileOptions = {}): Promise<KerasModelFile> {
  const sniffed = await sniffContainer(file);
  return sniffed.kind === 'zip' ? openV3Zip(file, options) : openLegacyHdf5(file, options);
}

interface OpenedModel {
  container: KerasContainer;
  kerasVersion: string | null;
  config: KerasModelConfig;
  weights: KerasWeight[];
  layerGroups: Array<string | null>;
  notes: string[];
  tree: Hdf5Tree;
  h5: H5File;
  /** The name errors about the weights use. */
  weightsLabel: string;
  sourceSha256: string | null;
  cleanup: () => void;
}

async function openV3Zip(file: string, options: OpenKerasFileOptions): Promise<KerasModelFile> {
  const archive = await ZipArchive.open(file);
  let hdf5: InMemoryHdf5 | null = null;
  try {
    const configText = (await archive.readMember(CONFIG_MEMBER)).toString('utf8');
    const config = parseModelConfig(parsePythonJson(configText, { file, member: CONFIG_MEMBER }), { file, member: CONFIG_MEMBER });
    const kerasVersion = archive.has(METADATA_MEMBER) ? await readKerasVersion(archive, file) : null;
    const weights = await readWeightsMember(archive, file, options.sha256 === true);
    archive.close();
    const weightsLabel = `${file} (${WEIGHTS_MEMBER})`;
    hdf5 = await openHdf5InMemory(weights.bytes, weightsLabel);
    const tree = walkHdf5(hdf5.file, weightsLabel);
    const assignment = assignV3Weights(config.layers, tree, snakeCaseFor(kerasVersion));
    const notes = [...assignment.notes];
    if (config.subclassed) {
      notes.unshift(`${config.modelClass} is a subclassed model: ${CONFIG_MEMBER} lists no layers, so no dataset is assigned to a layer`);
    }
    return toModelFile(file, {
      container: 'keras-v3-zip',
      kerasVersion,
      config,
      weights: assignment.weights,
      layerGroups: assignment.layerGroups,
      notes,
      tree,
      h5: hdf5.file,
      weightsLabel,
      // Awaited last: the worker hashes the file while the HDF5 tree is walked.
      sourceSha256: await weights.sourceSha256,
      cleanup: hdf5.close,
    });
  } catch (error) {
    archive.close();
    hdf5?.close();
    throw error;
  }
}

/**
 * The weights member's bytes. Keras stores it uncompressed, so it is read in place during the one
 * pass over the file; a compressed member (re-zipped by another tool) is inflated instead, and the
 * file hashed separately.
 */
async function readWeightsMember(archive: ZipArchive, file: string, sha256: boolean): Promise<{ bytes: Uint8Array; sourceSha256: Promise<string> | null }> {
  const range = await archive.storedMemberRange(WEIGHTS_MEMBER);
  if (range === null) {
    const sourceSha256 = sha256 ? sha256File(file) : null;
    void sourceSha256?.catch(() => undefined); // awaited later, unless opening fails first
    const bytes = await archive.readMember(WEIGHTS_MEMBER, Number.POSITIVE_INFINITY);
    return { bytes, sourceSha256 };
  }
  const read = await readFileOnce(file, { sha256, crc32Range: range });
  archive.verifyCrc32(WEIGHTS_MEMBER, read.rangeCrc32 ?? 0);
  return { bytes: read.bytes.subarray(range.start, range.start + range.length), sourceSha256: read.sha256 };
}

async function readKerasVersion(archive: ZipArchive, file: string): Promise<string | null> {
  const metadata = parsePythonJson((await archive.readMember(METADATA_MEMBER)).toString('utf8'), { file, member: METADATA_MEMBER });
  return isPlainObject(metadata) && typeof metadata.keras_version === 'string' ? metadata.keras_version : null;
}

async function openLegacyHdf5(file: string, options: OpenKerasFileOptions): Promise<KerasModelFile> {
  const read = await readFileOnce(file, { sha256: options.sha256 === true });
  const hdf5 = await openHdf5InMemory(read.bytes, file);
  try {
    const tree = walkHdf5(hdf5.file, file);
    const legacy = readLegacyModel(hdf5.file, tree, file);
    return toModelFile(file, {
      container: 'legacy-hdf5',
      kerasVersion: legacy.kerasVersion,
      config: legacy.config,
      weights: legacy.weights,
      layerGroups: legacy.layerGroups,
      notes: legacy.notes,
      tree,
      h5: hdf5.file,
      weightsLabel: file,
      sourceSha256: await read.sha256,
      cleanup: hdf5.close,
    });
  } catch (error) {
    hdf5.close();
    throw error;
  }
}

function toModelFile(file: string, opened: OpenedModel): KerasModelFile {
  const layers = opened.config.layers.map((layer, i) => ({ ...layer, weightsGroup: opened.layerGroups[i] ?? null }));
  const datasets: KerasDatasetInfo[] = opened.tree.datasets.map((d) => ({ path: d.path, dtype: d.dtype, shape: d.shape }));
  const reader = new Float32DatasetReader(opened.h5, opened.weightsLabel, new Map(opened.tree.datasets.map((d) => [d.path, d.metadata])));
  let closed = false;
  const assertOpen = (path: string): void => {
    if (closed) throw new MuleError('IO', `${file} is closed; cannot read "${path}"`, { file, tensor: path });
  };
  return {
    file,
    container: opened.container,
    kerasVersion: opened.kerasVersion,
    modelClass: opened.config.modelClass,
    layers,
    inputs: opened.config.inputs,
    outputs: opened.config.outputs,
    weights: opened.weights,
    datasets,
    notes: opened.notes,
    sourceSha256: opened.sourceSha256,
    readFloat32(path: string): Float32Array {
      assertOpen(path);
      return reader.read(path);
    },
    withFloat32<R>(path: string, use: (values: Float32Array) => R): R {
      assertOpen(path);
      return reader.withValues(path, use);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      reader.close();
      opened.cleanup();
    },
  };
}
