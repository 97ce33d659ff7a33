import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MuleError } from '@mule-ts/runtime';
import { sniffContainer } from '../archive/sniff-container.js';
import { ZipArchive } from '../archive/zip-archive.js';
import { readDatasetFloat32 } from './hdf5-read.js';
import { openHdf5, walkHdf5 } from './hdf5-tree.js';
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
  /** Where the zip's `model.weights.h5` is extracted (a fresh folder inside it); default: the OS temp dir. */
  tempDir?: string;
}

const CONFIG_MEMBER = 'config.json';
const METADATA_MEMBER = 'metadata.json';
const WEIGHTS_MEMBER = 'model.weights.h5';

/**
 * Opens any Keras model file without TensorFlow: a `.keras` zip (Keras 2.12+ and 3) or a legacy
 * HDF5 file (`.h5`, and `.keras` from Keras <= 2.12), decided by the magic bytes. For a zip, the
 * weights member is streamed to a temporary file (deleted by `close()`, or at once if opening
 * fails) and read from there by h5wasm, so a 250 MB model is never held in memory.
 */
export async function openKerasFile(file: string, options: OpenKerasFileOptions = {}): Promise<KerasModelFile> {
  const sniffed = await sniffContainer(file);
  return sniffed.kind === 'zip' ? openV3Zip(file, options) : openLegacyHdf5(file);
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
  cleanup: () => Promise<void>;
}

async function openV3Zip(file: string, options: OpenKerasFileOptions): Promise<KerasModelFile> {
  const archive = await ZipArchive.open(file);
  let extractionDir: string | null = null;
  let h5: H5File | null = null;
  const cleanup = async (): Promise<void> => {
    if (h5 !== null) h5.close();
    h5 = null;
    if (extractionDir !== null) await rm(extractionDir, { recursive: true, force: true });
    extractionDir = null;
  };
  try {
    const configText = (await archive.readMember(CONFIG_MEMBER)).toString('utf8');
    const config = parseModelConfig(parsePythonJson(configText, { file, member: CONFIG_MEMBER }), { file, member: CONFIG_MEMBER });
    const kerasVersion = archive.has(METADATA_MEMBER) ? await readKerasVersion(archive, file) : null;
    if (!archive.has(WEIGHTS_MEMBER)) await archive.readMember(WEIGHTS_MEMBER); // throws MISSING_MEMBER
    extractionDir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'mule-keras-'));
    const weightsPath = join(extractionDir, WEIGHTS_MEMBER);
    await archive.extractMember(WEIGHTS_MEMBER, weightsPath);
    archive.close();
    const weightsLabel = `${file} (${WEIGHTS_MEMBER})`;
    h5 = await openHdf5(weightsPath, weightsLabel);
    const tree = walkHdf5(h5, weightsLabel);
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
      h5,
      weightsLabel,
      cleanup,
    });
  } catch (error) {
    archive.close();
    await cleanup();
    throw error;
  }
}

async function readKerasVersion(archive: ZipArchive, file: string): Promise<string | null> {
  const metadata = parsePythonJson((await archive.readMember(METADATA_MEMBER)).toString('utf8'), { file, member: METADATA_MEMBER });
  return isPlainObject(metadata) && typeof metadata.keras_version === 'string' ? metadata.keras_version : null;
}

async function openLegacyHdf5(file: string): Promise<KerasModelFile> {
  const h5 = await openHdf5(file, file);
  try {
    const tree = walkHdf5(h5, file);
    const legacy = readLegacyModel(h5, tree, file);
    return toModelFile(file, {
      container: 'legacy-hdf5',
      kerasVersion: legacy.kerasVersion,
      config: legacy.config,
      weights: legacy.weights,
      layerGroups: legacy.layerGroups,
      notes: legacy.notes,
      tree,
      h5,
      weightsLabel: file,
      cleanup: async () => {
        h5.close();
      },
    });
  } catch (error) {
    h5.close();
    throw error;
  }
}

function toModelFile(file: string, opened: OpenedModel): KerasModelFile {
  const layers = opened.config.layers.map((layer, i) => ({ ...layer, weightsGroup: opened.layerGroups[i] ?? null }));
  const datasets: KerasDatasetInfo[] = opened.tree.datasets.map((d) => ({ path: d.path, dtype: d.dtype, shape: d.shape }));
  let closed = false;
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
    readFloat32(path: string): Float32Array {
      if (closed) throw new MuleError('IO', `${file} is closed; cannot read "${path}"`, { file, tensor: path });
      return readDatasetFloat32(opened.h5, path, opened.weightsLabel);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await opened.cleanup();
    },
  };
}
