/**
 * What the Keras reader hands to everything downstream (inspect, the SF-NFNet recogniser).
 * Contract shared by `keras/` (producer) and `recognise/` (consumer).
 */

export type KerasContainer = 'keras-v3-zip' | 'legacy-hdf5';

/** A reference to the output tensor of a layer call: [layer name, node index, tensor index]. */
export interface KerasTensorRef {
  layer: string;
  nodeIndex: number;
  tensorIndex: number;
}

/**
 * One call of a layer (one inbound node), normalised over the Keras 2 nested-list form and the
 * Keras 3 dict form. `inputs` are the tensors of the first call argument, in order; `kwargs` keeps
 * the other arguments as serialised, and `kwargRefs` lists the tensors found inside kwargs
 * (e.g. TFOpLambda multiply's `y`), keyed by argument name.
 */
export interface KerasLayerCall {
  inputs: KerasTensorRef[];
  kwargs: Record<string, unknown>;
  kwargRefs: Record<string, KerasTensorRef>;
  /**
   * Constants inside the first argument (Keras 2 `["_CONSTANT_VALUE", -1, value]`), with their
   * position among the first argument's flattened elements. Absent when there are none.
   */
  firstArgConstants?: Array<{ position: number; value: unknown }>;
  /** Keras 3 only: positional arguments after the first, as serialised. Absent when there are none. */
  otherArgs?: unknown[];
  /** Keras 3 only: the tensors found inside `otherArgs`, in order. */
  otherArgRefs?: KerasTensorRef[];
}

export interface KerasLayer {
  /** Position in config.layers (= Functional `model.layers` order). */
  index: number;
  /** The outer `name` of the layer entry. */
  name: string;
  className: string;
  module: string | null;
  /** The inner `config` object as serialised. */
  config: Record<string, unknown>;
  calls: KerasLayerCall[];
  /**
   * The HDF5 group holding this layer's weights, as a logical path (backslashes read as `/`), e.g.
   * '_layer_checkpoint_dependencies/conv2d_2' or 'model_weights/conv2d'; null when the file has
   * none for it (e.g. the InputLayer of a Sequential model). Set by `openKerasFile`.
   */
  weightsGroup?: string | null;
}

export interface KerasDatasetInfo {
  /** HDF5 path as stored (link names may contain `\` when written on Windows). */
  path: string;
  /** numpy-style dtype string: '<f4', '<f8', '<f2', '<i8', '<i4', ... */
  dtype: string;
  shape: number[];
}

/** A dataset assigned to a layer. */
export interface KerasWeight extends KerasDatasetInfo {
  layerIndex: number;
  layerName: string;
  className: string;
  /**
   * The weight's place in its layer: for v3 files the path relative to the layer group with
   * `\` normalised to `/` (e.g. 'vars/0', 'vars/1', 'layer/vars/0'); for legacy HDF5 files the
   * position in `weight_names` as 'vars/<i>' too, with `legacyName` set.
   */
  slot: string;
  legacyName?: string;
}

export interface KerasModelFile {
  /** The path the user gave. */
  file: string;
  container: KerasContainer;
  kerasVersion: string | null;
  /** Top-level class: Functional, Sequential, Model, a custom name... */
  modelClass: string;
  layers: KerasLayer[];
  inputs: KerasTensorRef[];
  outputs: KerasTensorRef[];
  /** Every dataset assigned to a layer, in layer order then slot order. */
  weights: KerasWeight[];
  /** Every dataset in the weights file (including optimizer/metrics state), in h5 walk order. */
  datasets: KerasDatasetInfo[];
  /**
   * What the reader noticed but did not treat as an error (layer groups no config layer claims,
   * config layers without a group, a subclassed model without a layer list...).
   */
  notes?: string[];
  /** sha256 of the whole file (lower-case hex) when opened with `{ sha256: true }`, else null. */
  sourceSha256: string | null;
  /** Reads one dataset as float32 (converting from f16/f64 if needed; errors on non-float). */
  readFloat32(path: string): Float32Array;
  /**
   * Reads one dataset like `readFloat32` but lends `use` the values instead of copying them out of
   * the HDF5 reader: the view is valid only during the call, and `use` must not keep it.
   */
  withFloat32<R>(path: string, use: (values: Float32Array) => R): R;
  /** Releases the HDF5 handle and the file's bytes held in memory. */
  close(): Promise<void>;
}
