import { MuleError } from '@mule-ts/core';
import { sniffContainer } from '../archive/sniff-container.js';
import { ZipArchive } from '../archive/zip-archive.js';
import { startFileDigests } from '../hashing/file-digests-in-worker.js';
import type { PendingFileDigests } from '../hashing/file-digests-in-worker.js';
import { openHdf5Bytes, openHdf5InFile } from './hdf5-open.js';
import type { OpenedHdf5 } from './hdf5-open.js';
import { Float32DatasetReader } from './hdf5-read.js';
import { walkHdf5 } from './hdf5-tree.js';
import type { Hdf5Tree } from './hdf5-tree.js';
import { isPlainObject } from './inbound-nodes.js';
import { readLegacyModel } from './legacy-weights.js';
import { parseModelConfig } from './model-config.js';
import type { KerasModelConfig } from './model-config.js';
import { parsePythonJson } from './python-json.js';
import { snakeCaseFor } from './snake-case.js';
import type { KerasContainer, KerasDatasetInfo, KerasModelFile, KerasWeight } from './types.js';
import { assignV3Weights } from './v3-weights.js';

export interface OpenKerasFileOptions {
  /** Also compute the sha256 of the whole file (`sourceSha256`), on a worker while the file is opened. */
  sha256?: boolean;
}

const CONFIG_MEMBER = 'config.json';
const METADATA_MEMBER = 'metadata.json';
const WEIGHTS_MEMBER = 'model.weights.h5';

/**
 * Opens any Keras model file without TensorFlow: a `.keras` zip (Keras 2.12+ and 3) or a legacy
 * HDF5 file (`.h5`, and `.keras` from Keras <= 2.12), decided by the magic bytes. h5wasm reads the
 * weights in place (Keras stores the zip member uncompressed), so the file is not copied into
 * memory or to disk; meanwhile a worker reads it once to check the member's CRC-32 and, if asked,
 * hash it. `close()` releases the file.
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
  hdf5: OpenedHdf5;
  /** The name errors about the weights use. */
  weightsLabel: string;
  sourceSha256: string | null;
}

async function openV3Zip(file: string, options: OpenKerasFileOptions): Promise<KerasModelFile> {
  const archive = await ZipArchive.open(file);
  let hdf5: OpenedHdf5 | null = null;
  let digests: PendingFileDigests | null = null;
  try {
    const configText = (await archive.readMember(CONFIG_MEMBER)).toString('utf8');
    const config = parseModelConfig(parsePythonJson(configText, { file, member: CONFIG_MEMBER }), { file, member: CONFIG_MEMBER });
    const kerasVersion = archive.has(METADATA_MEMBER) ? await readKerasVersion(archive, file) : null;
    const weightsLabel = `${file} (${WEIGHTS_MEMBER})`;
    const range = await archive.storedMemberRange(WEIGHTS_MEMBER);
    let sourceSha256: Promise<string | null>;
    // Rejects when the stored member's CRC-32 does not match: a corrupt member is best reported as
    // such, not as whatever HDF5 made of it, so failures below wait for it first.
    let memberChecked: Promise<unknown> = Promise.resolve();
    if (range !== null) {
      digests = startFileDigests(file, { sha256: options.sha256 === true, crc32Range: range });
      const checked = digests.result.then((d) => {
        archive.verifyCrc32(WEIGHTS_MEMBER, d.rangeCrc32 ?? 0);
        return d.sha256;
      });
      void checked.catch(() => undefined);
      sourceSha256 = checked;
      memberChecked = checked;
      try {
        hdf5 = await openHdf5InFile(file, weightsLabel, range);
      } catch (error) {
        await memberChecked;
        throw error;
      }
    } else {
      // Compressed by some other tool: inflated into memory (the zip reader checks its CRC-32).
      sourceSha256 = options.sha256 === true ? startFileDigests(file, { sha256: true }).result.then((d) => d.sha256) : Promise.resolve(null);
      void sourceSha256.catch(() => undefined);
      hdf5 = await openHdf5Bytes(await archive.readMember(WEIGHTS_MEMBER, Number.POSITIVE_INFINITY), weightsLabel);
    }
    archive.close();
    let tree: Hdf5Tree;
    try {
      tree = walkHdf5(hdf5.file, weightsLabel);
    } catch (error) {
      await memberChecked;
      throw error;
    }
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
      hdf5,
      weightsLabel,
      // Awaited last: the worker reads and checks the file while the HDF5 tree is walked.
      sourceSha256: await sourceSha256,
    });
  } catch (error) {
    archive.close();
    await digests?.cancel();
    hdf5?.close();
    throw error;
  }
}

async function readKerasVersion(archive: ZipArchive, file: string): Promise<string | null> {
  const metadata = parsePythonJson((await archive.readMember(METADATA_MEMBER)).toString('utf8'), { file, member: METADATA_MEMBER });
  return isPlainObject(metadata) && typeof metadata.keras_version === 'string' ? metadata.keras_version : null;
}

async function openLegacyHdf5(file: string, options: OpenKerasFileOptions): Promise<KerasModelFile> {
  const digests = options.sha256 === true ? startFileDigests(file, { sha256: true }) : null;
  let hdf5: OpenedHdf5 | null = null;
  try {
    hdf5 = await openHdf5InFile(file, file);
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
      hdf5,
      weightsLabel: file,
      sourceSha256: digests ? (await digests.result).sha256 : null,
    });
  } catch (error) {
    await digests?.cancel();
    hdf5?.close();
    throw error;
  }
}

function toModelFile(file: string, opened: OpenedModel): KerasModelFile {
  const layers = opened.config.layers.map((layer, i) => ({ ...layer, weightsGroup: opened.layerGroups[i] ?? null }));
  const datasets: KerasDatasetInfo[] = opened.tree.datasets.map((d) => ({ path: d.path, dtype: d.dtype, shape: d.shape }));
  const reader = new Float32DatasetReader(
    opened.hdf5.file,
    opened.weightsLabel,
    new Map(opened.tree.datasets.map((d) => [d.path, d.metadata])),
    opened.hdf5.readFailure,
  );
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
      opened.hdf5.close();
    },
  };
}
