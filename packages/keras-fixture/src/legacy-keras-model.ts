/**
 * The legacy HDF5 full-model form (`model.save("model.h5")` in Keras 2.13.1, KERAS_FORMAT §5) of
 * the same SF-NFNet-F0 graph the `.keras` writer uses: the legacy `model_config` and, per layer,
 * the variable names Keras would give. Pure: no I/O.
 */
import type { SfNfNetSpec } from '@mule-ts/core';
import { buildKerasGraph, kerasModelConfig, layerCheckpointPaths, serializeLayer } from './keras-graph.js';
import type { GraphLayer, KerasGraph, LayerVariable } from './keras-graph.js';
import type { JsonObject, JsonValue } from './python-json.js';
import { generateVariable } from './weights.js';
import { KERAS_VERSION } from './write-keras.js';
import type { BuildKerasModelOptions } from './write-keras.js';

export const LEGACY_BACKEND = 'tensorflow';

export interface LegacyWeight {
  /** The variable name, e.g. `dense_3/kernel:0`; the dataset sits at this path inside the layer's group. */
  name: string;
  /** `[]` writes a scalar dataset. */
  shape: number[];
  /** Values in C order; their count must match the shape. */
  generate(): Float32Array;
}

export interface LegacyLayerGroup {
  /** `layer.name`: the group under `/model_weights`. */
  name: string;
  /** In `layer.weights` order; their names make the group's `weight_names` attribute. */
  weights: LegacyWeight[];
}

/** Everything a legacy `.h5` model file holds, before it is written. Mutate freely to build bad inputs. */
export interface LegacyKerasModelDraft {
  kerasVersion: string;
  backend: string;
  /** The root `model_config` attribute (written as Python `json.dumps` text). */
  modelConfig: JsonObject;
  /** `/model_weights` attribute `layer_names`: every layer, in `model.layers` order. */
  layerNames: string[];
  /** One group per layer (weightless layers too), in `model.layers` order. */
  layers: LegacyLayerGroup[];
}

/**
 * The variable name of a layer weight. Conv2D and Dense variables are created in the layer's name
 * scope (a WeightStandardization builds its inner Conv2D from its own `build`, so the conv's kernel
 * and bias carry the wrapper's name, and its unnamed gain is `Variable`). The learnable
 * ScalarMultiply creates its unnamed `tf.Variable` in `__init__`, outside any layer scope.
 */
export function legacyWeightName(layerName: string, variable: LayerVariable): string {
  switch (variable.role) {
    case 'conv_kernel':
    case 'dense_kernel':
      return `${layerName}/kernel:0`;
    case 'conv_bias':
    case 'dense_bias':
      return `${layerName}/bias:0`;
    case 'conv_gain':
      return `${layerName}/Variable:0`;
    case 'skip_gain':
      return 'Variable:0';
  }
}

/** One `config.layers` entry as legacy serialisation writes it: no `module`, `registered_name` or `build_config`. */
function legacyLayerEntry(layer: GraphLayer): JsonObject {
  const v3 = serializeLayer(layer);
  return {
    class_name: layer.registeredName ?? layer.className,
    config: v3.config as JsonValue,
    name: v3.name as JsonValue,
    inbound_nodes: v3.inbound_nodes as JsonValue,
  };
}

/** The root `model_config` object: `{"class_name": "Functional", "config": {...}}`, keys in Keras's order. */
export function legacyModelConfig(graph: KerasGraph): JsonObject {
  const v3 = kerasModelConfig(graph).config as JsonObject;
  return {
    class_name: 'Functional',
    config: {
      name: v3.name as JsonValue,
      trainable: v3.trainable as JsonValue,
      layers: graph.layers.map(legacyLayerEntry),
      input_layers: v3.input_layers as JsonValue,
      output_layers: v3.output_layers as JsonValue,
    },
  };
}

/**
 * The legacy draft of an SF-NFNet model. Each tensor is generated from the same stream as the
 * `.keras` draft's tensor of the same layer (same seed, keyed by the `.keras` dataset path), so the
 * two files hold identical values.
 */
export function buildLegacyKerasModel(spec: SfNfNetSpec, options: BuildKerasModelOptions): LegacyKerasModelDraft {
  const graph = buildKerasGraph(spec, options.modelName);
  const v3Paths = layerCheckpointPaths(graph);
  return {
    kerasVersion: KERAS_VERSION,
    backend: LEGACY_BACKEND,
    modelConfig: legacyModelConfig(graph),
    layerNames: graph.layers.map((l) => l.name),
    layers: graph.layers.map((layer, i) => ({
      name: layer.name,
      weights: layer.variables.map((variable) => {
        const v3Path = `${v3Paths[i]!}/${variable.path}`;
        return {
          name: legacyWeightName(layer.name, variable),
          shape: [...variable.shape],
          generate: () => generateVariable(variable, options.seed, v3Path),
        };
      }),
    })),
  };
}

/** Number of values in the draft's weights. */
export function legacyDraftParameterCount(draft: LegacyKerasModelDraft): number {
  return draft.layers.reduce((n, l) => n + l.weights.reduce((m, w) => m + w.shape.reduce((a, b) => a * b, 1), 0), 0);
}
