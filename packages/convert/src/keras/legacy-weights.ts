import { MuleError } from '@mule-ts/core';
import h5wasm from 'h5wasm';
import type { Group } from 'h5wasm';
import { readStringAttribute, readStringListAttribute } from './hdf5-read.js';
import type { H5File, Hdf5Tree } from './hdf5-tree.js';
import { parseModelConfig } from './model-config.js';
import type { KerasModelConfig } from './model-config.js';
import { parsePythonJson } from './python-json.js';
import type { KerasLayer, KerasWeight } from './types.js';

export interface LegacyModel {
  kerasVersion: string | null;
  config: KerasModelConfig;
  weights: KerasWeight[];
  layerGroups: Array<string | null>;
  notes: string[];
}

/**
 * Reads a legacy HDF5 Keras file (`model.save('x.h5')`, and `.keras` in Keras <= 2.12): the
 * `model_config` root attribute gives the layers; `/model_weights/<layer name>` with its
 * `weight_names` attribute gives each layer's weights, in that order. A weights-only file
 * (`save_weights`, no `model_config`) yields one layer per `layer_names` entry, class unknown.
 */
export function readLegacyModel(file: H5File, tree: Hdf5Tree, label: string): LegacyModel {
  const kerasVersion = readStringAttribute(file, 'keras_version');
  const configText = readStringAttribute(file, 'model_config');
  const weightsRoot = file.get('model_weights');
  const weightsGroup = weightsRoot instanceof h5wasm.Group ? weightsRoot : file;
  const groupPrefix = weightsGroup === file ? '' : 'model_weights/';
  const layerNames = readStringListAttribute(weightsGroup, 'layer_names');

  let config: KerasModelConfig;
  if (configText !== null) {
    config = parseModelConfig(parsePythonJson(configText, { file: label, member: 'model_config attribute' }), {
      file: label,
      member: 'model_config attribute',
    });
  } else if (layerNames !== null) {
    config = weightsOnlyConfig(layerNames);
  } else {
    throw new MuleError(
      'NOT_A_MODEL_FILE',
      `${label} is an HDF5 file but not a Keras model: it has no "model_config" attribute and no "layer_names" list`,
      { file: label },
    );
  }

  const datasetPaths = new Set(tree.datasets.map((d) => d.path));
  const datasetInfo = new Map(tree.datasets.map((d) => [d.path, d]));
  const weights: KerasWeight[] = [];
  const layerGroups: Array<string | null> = [];
  const notes: string[] = [];
  for (const layer of config.layers) {
    const group = weightsGroup.get(layer.name);
    if (!(group instanceof h5wasm.Group)) {
      layerGroups.push(null);
      continue;
    }
    const groupPath = `${groupPrefix}${layer.name}`;
    layerGroups.push(groupPath);
    weights.push(...layerWeights(group, groupPath, layer, datasetPaths, datasetInfo, label));
  }
  const configNames = new Set(config.layers.map((l) => l.name));
  const orphans = (layerNames ?? []).filter((n) => !configNames.has(n));
  if (orphans.length > 0) notes.push(`layer_names lists groups no config layer has: ${orphans.join(', ')}`);
  return { kerasVersion, config, weights, layerGroups, notes };
}

function layerWeights(
  group: Group,
  groupPath: string,
  layer: KerasLayer,
  datasetPaths: Set<string>,
  datasetInfo: Map<string, { dtype: string; shape: number[] }>,
  label: string,
): KerasWeight[] {
  const names = readStringListAttribute(group, 'weight_names') ?? [];
  return names.map((weightName, i) => {
    const path = `${groupPath}/${weightName}`;
    const info = datasetInfo.get(path);
    if (!datasetPaths.has(path) || info === undefined) {
      throw new MuleError(
        'MISSING_WEIGHT',
        `${label}: layer "${layer.name}" lists weight "${weightName}" but there is no dataset "${path}"`,
        { file: label, layer: layer.name, tensor: path },
      );
    }
    return {
      path,
      dtype: info.dtype,
      shape: info.shape,
      layerIndex: layer.index,
      layerName: layer.name,
      className: layer.className,
      slot: `vars/${i}`,
      legacyName: weightName,
    };
  });
}

function weightsOnlyConfig(layerNames: string[]): KerasModelConfig {
  return {
    modelClass: '(weights only)',
    modelName: null,
    layers: layerNames.map((name, index) => ({ index, name, className: '(unknown)', module: null, config: {}, calls: [] })),
    inputs: [],
    outputs: [],
    subclassed: false,
  };
}
