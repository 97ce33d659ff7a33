import { MuleError } from '@mule-ts/core';
import { isPlainObject, normaliseInboundNodes } from './inbound-nodes.js';
import type { JsonSource } from './python-json.js';
import type { KerasLayer, KerasTensorRef } from './types.js';

/** The layer graph of a Keras model config (config.json, or the legacy `model_config` attribute). */
export interface KerasModelConfig {
  /** Top-level class: Functional, Sequential, Model, or a custom (subclassed) name. */
  modelClass: string;
  modelName: string | null;
  /** In config order (= `model.layers` order, the order that numbers the HDF5 groups). */
  layers: KerasLayer[];
  inputs: KerasTensorRef[];
  outputs: KerasTensorRef[];
  /** True when the top-level object lists no layers (a subclassed model): there is no graph. */
  subclassed: boolean;
}

/**
 * Reads the layer list of a parsed model config. Handles the Keras 3 config, the Keras 2 v3
 * config, legacy layer entries without `module`, Sequential (no inbound nodes: the chain is
 * made explicit) and subclassed models (no layer list: an empty graph). Unknown keys are ignored.
 */
export function parseModelConfig(json: unknown, source: JsonSource): KerasModelConfig {
  if (!isPlainObject(json) || typeof json.class_name !== 'string') {
    throw malformed(source, 'the model config is not an object with a "class_name"');
  }
  const modelClass = json.class_name;
  const inner = json.config;
  // Very old Sequential configs are a bare list of layers.
  const rawLayers = Array.isArray(inner) ? inner : isPlainObject(inner) ? inner.layers : undefined;
  const modelName = isPlainObject(inner) && typeof inner.name === 'string' ? inner.name : null;
  if (!Array.isArray(rawLayers)) {
    return { modelClass, modelName, layers: [], inputs: [], outputs: [], subclassed: true };
  }

  const entries = rawLayers.map((entry, index) => layerEntry(entry, index, source));
  const names = new Set(entries.map((e) => e.name));
  const layers: KerasLayer[] = entries.map((e, index) => ({
    index,
    name: e.name,
    className: e.className,
    module: e.module,
    config: e.config,
    calls: normaliseInboundNodes(e.inboundNodes, names),
  }));

  const isSequential = entries.every((e) => e.inboundNodes === undefined) && !hasTensorLists(inner);
  if (isSequential) return sequentialGraph(modelClass, modelName, layers);

  const innerObject = inner as Record<string, unknown>;
  return {
    modelClass,
    modelName,
    layers,
    inputs: tensorRefs(innerObject.input_layers),
    outputs: tensorRefs(innerObject.output_layers),
    subclassed: false,
  };
}

interface LayerEntry {
  name: string;
  className: string;
  module: string | null;
  config: Record<string, unknown>;
  inboundNodes: unknown;
}

function layerEntry(entry: unknown, index: number, source: JsonSource): LayerEntry {
  if (!isPlainObject(entry) || typeof entry.class_name !== 'string') {
    throw malformed(source, `layer ${index} of the model config has no "class_name"`);
  }
  const config = isPlainObject(entry.config) ? entry.config : {};
  // The outer `name` is written by Functional; Sequential and legacy entries keep it in `config`.
  const name =
    typeof entry.name === 'string' ? entry.name : typeof config.name === 'string' ? config.name : `${entry.class_name}#${index}`;
  return {
    name,
    className: entry.class_name,
    module: typeof entry.module === 'string' ? entry.module : null,
    config,
    inboundNodes: entry.inbound_nodes,
  };
}

function hasTensorLists(inner: unknown): boolean {
  return isPlainObject(inner) && (inner.input_layers !== undefined || inner.output_layers !== undefined);
}

/** Sequential writes no edges: each layer takes the previous layer's output. */
function sequentialGraph(modelClass: string, modelName: string | null, layers: KerasLayer[]): KerasModelConfig {
  for (let i = 1; i < layers.length; i++) {
    const previous = layers[i - 1] as KerasLayer;
    (layers[i] as KerasLayer).calls = [{ inputs: [{ layer: previous.name, nodeIndex: 0, tensorIndex: 0 }], kwargs: {}, kwargRefs: {} }];
  }
  const first = layers[0];
  const last = layers[layers.length - 1];
  return {
    modelClass,
    modelName,
    layers,
    inputs: first !== undefined && first.className === 'InputLayer' ? [ref(first.name)] : [],
    outputs: last === undefined ? [] : [ref(last.name)],
    subclassed: false,
  };
}

function ref(layer: string): KerasTensorRef {
  return { layer, nodeIndex: 0, tensorIndex: 0 };
}

/** `[["in", 0, 0], ...]`, a flat `["in", 0, 0]` (Keras 3, one input) or `{"in": ["in", 0, 0]}`. */
function tensorRefs(value: unknown): KerasTensorRef[] {
  if (Array.isArray(value)) {
    if (typeof value[0] === 'string' && typeof value[1] === 'number') {
      return [{ layer: value[0], nodeIndex: value[1], tensorIndex: Number(value[2] ?? 0) }];
    }
    return value.flatMap(tensorRefs);
  }
  if (isPlainObject(value)) return Object.values(value).flatMap(tensorRefs);
  return [];
}

function malformed(source: JsonSource, reason: string): MuleError {
  const where = source.member === undefined ? source.file : `${source.file}, ${source.member}`;
  return new MuleError('MALFORMED_CONFIG', `${where}: ${reason}`, { file: source.file, tensor: source.member });
}
