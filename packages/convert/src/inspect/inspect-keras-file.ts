import { openKerasFile } from '../keras/open-keras-file.js';
import type { OpenKerasFileOptions } from '../keras/open-keras-file.js';
import type { KerasContainer, KerasLayer, KerasModelFile } from '../keras/types.js';

/** One layer of an inspected file. */
export interface InspectedLayer {
  index: number;
  name: string;
  className: string;
  module: string | null;
  /** Names of the layers whose outputs this layer takes (all calls, keyword arguments included). */
  inbound: string[];
  /** The HDF5 group holding the layer's weights (logical path), or null. */
  h5Group: string | null;
  /** Number of datasets assigned to the layer and their total element count. */
  weightCount: number;
  parameters: number;
}

/** One dataset of the weights file; `layerName`/`layerClass` are null when no layer owns it. */
export interface InspectedDataset {
  path: string;
  dtype: string;
  shape: number[];
  bytes: number;
  layerName: string | null;
  layerClass: string | null;
  slot: string | null;
}

/** A plain-data description of any Keras file: JSON-serialisable as it is. */
export interface KerasInspectReport {
  file: string;
  container: KerasContainer;
  kerasVersion: string | null;
  modelClass: string;
  inputs: string[];
  outputs: string[];
  layers: InspectedLayer[];
  datasets: InspectedDataset[];
  totals: {
    layers: number;
    datasets: number;
    bytes: number;
    assignedDatasets: number;
    /** Elements in the datasets assigned to layers (the model's parameter count). */
    assignedParameters: number;
  };
  notes: string[];
}

/** Opens a Keras file, describes its layers and every dataset, and closes it. */
export async function inspectKerasFile(file: string, options: OpenKerasFileOptions = {}): Promise<KerasInspectReport> {
  const model = await openKerasFile(file, options);
  try {
    return describeModel(model);
  } finally {
    await model.close();
  }
}

/** The report for an already opened file (pure: reads no tensor data). */
export function describeModel(model: KerasModelFile): KerasInspectReport {
  const weightByPath = new Map(model.weights.map((w) => [w.path, w]));
  const datasets: InspectedDataset[] = model.datasets.map((d) => {
    const weight = weightByPath.get(d.path);
    return {
      path: d.path,
      dtype: d.dtype,
      shape: d.shape,
      bytes: elementCount(d.shape) * itemSize(d.dtype),
      layerName: weight?.layerName ?? null,
      layerClass: weight?.className ?? null,
      slot: weight?.slot ?? null,
    };
  });
  const layers = model.layers.map((layer) => {
    const own = model.weights.filter((w) => w.layerIndex === layer.index);
    return {
      index: layer.index,
      name: layer.name,
      className: layer.className,
      module: layer.module,
      inbound: inboundNames(layer),
      h5Group: layer.weightsGroup ?? null,
      weightCount: own.length,
      parameters: own.reduce((sum, w) => sum + elementCount(w.shape), 0),
    };
  });
  return {
    file: model.file,
    container: model.container,
    kerasVersion: model.kerasVersion,
    modelClass: model.modelClass,
    inputs: model.inputs.map((r) => r.layer),
    outputs: model.outputs.map((r) => r.layer),
    layers,
    datasets,
    totals: {
      layers: layers.length,
      datasets: datasets.length,
      bytes: datasets.reduce((sum, d) => sum + d.bytes, 0),
      assignedDatasets: model.weights.length,
      assignedParameters: model.weights.reduce((sum, w) => sum + elementCount(w.shape), 0),
    },
    notes: model.notes ?? [],
  };
}

function inboundNames(layer: KerasLayer): string[] {
  const names = new Set<string>();
  for (const call of layer.calls) {
    for (const ref of call.inputs) names.add(ref.layer);
    for (const ref of Object.values(call.kwargRefs)) names.add(ref.layer);
    for (const ref of call.otherArgRefs ?? []) names.add(ref.layer);
  }
  return [...names];
}

function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Bytes per element of a numpy dtype string ('<f4' -> 4); object references count 8. */
function itemSize(dtype: string): number {
  if (dtype.endsWith('O')) return 8;
  const match = /(\d+)$/.exec(dtype);
  return match === null ? 0 : Number(match[1]);
}
