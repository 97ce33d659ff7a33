/**
 * The Keras 2.13.1 layer graph of the released MULE embedding model, built from an SfNfNetSpec the
 * way upstream `sfnfnetf0.py` builds it: every layer is constructed first (slow stem, fast stem,
 * slow stages, fast stages, fusions, output layers), which fixes the auto-generated names, then
 * applied (fusion, slow stage, fast stage per stage), which creates the TFOpLambda layers of the
 * squeeze-excite. Pure: no I/O.
 */
import type { BlockSpec, ConvSpec, SfNfNetSpec } from '@mule-ts/core';
import { checkpointGroupPaths } from './checkpoint-paths.js';
import { functionalLayerOrder } from './functional-order.js';
import type { JsonObject, JsonValue } from './python-json.js';

export type Shape = Array<number | null>;

/** A Keras tensor passed in a call: always output 0 of node 0 here (each layer is called once). */
export interface TensorRef {
  tensor: string;
}

export interface KerasCall {
  /** The first call argument: one tensor or a list of tensors (Concatenate, StochDepth). */
  firstArg: string | string[];
  /** The other arguments, serialised into every inbound entry. */
  kwargs: Record<string, JsonValue | TensorRef>;
  /** TFOpLambda keeps its input structure: its node is not wrapped in another list. */
  preserveInputStructure: boolean;
}

export type VariableRole = 'conv_kernel' | 'conv_gain' | 'conv_bias' | 'dense_kernel' | 'dense_bias' | 'skip_gain';

export interface LayerVariable {
  /** Dataset path relative to the layer's group, e.g. `vars/0` or `layer/vars/0`. */
  path: string;
  shape: number[];
  role: VariableRole;
  /** Fan-in of the kernel the variable belongs to (scale of random kernels). */
  fanIn: number;
}

export interface GraphLayer {
  name: string;
  className: string;
  module: string;
  registeredName: string | null;
  config: JsonObject;
  /** Null for the InputLayer. */
  call: KerasCall | null;
  /** `build_config.input_shape`; null for the InputLayer (which has no build_config). */
  buildInputShape: Shape | Shape[] | null;
  outputShape: Shape;
  /** Groups under the layer's h5 group, in the order saving_lib creates them. */
  subgroups: string[];
  variables: LayerVariable[];
}

export interface KerasGraph {
  modelName: string;
  inputName: string;
  outputName: string;
  /** In Functional `model.layers` order. */
  layers: GraphLayer[];
}

const DTYPE = 'float32';
const KERAS_LAYERS = 'keras.layers';
const MULE_LAYERS = 'mule.models.layers';
const TF_OP_MODULE = 'keras.src.layers.core.tf_op_layer';

/** Tensors the layer's node depends on, in the order `_build_map` visits them. */
export function kerasInputs(call: KerasCall | null): string[] {
  if (!call) return [];
  const first = Array.isArray(call.firstArg) ? call.firstArg : [call.firstArg];
  const keyed = Object.keys(call.kwargs)
    .sort()
    .map((k) => call.kwargs[k])
    .filter(isTensorRef)
    .map((t) => t.tensor);
  return [...first, ...keyed];
}

export function isTensorRef(v: unknown): v is TensorRef {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as TensorRef).tensor === 'string';
}

/** Keras's session-wide per-name counters (`backend.unique_object_name`). */
class LayerNames {
  private readonly counts = new Map<string, number>();
  next(base: string, zeroBased = true): string {
    const n = this.counts.get(base) ?? 0;
    this.counts.set(base, n + 1);
    const index = zeroBased ? n : n + 1;
    return index === 0 ? base : `${base}_${index}`;
  }
}

function scaledActivationConfig(activation: SfNfNetSpec['activation']): JsonObject {
  return {
    module: 'builtins',
    class_name: 'function',
    config: `_scaled_${activation}_activation`,
    registered_name: 'function',
  };
}

function initializer(className: string, config: JsonObject): JsonObject {
  return { module: 'keras.initializers', class_name: className, config, registered_name: null };
}

function conv2dConfig(name: string, c: ConvSpec): JsonObject {
  return {
    name,
    trainable: true,
    dtype: DTYPE,
    filters: c.outChannels,
    kernel_size: [...c.kernel],
    strides: [...c.strides],
    padding: 'same',
    data_format: 'channels_last',
    dilation_rate: [1, 1],
    groups: c.groups,
    activation: 'linear',
    use_bias: true,
    kernel_initializer: initializer('VarianceScaling', {
      scale: 1.0,
      mode: 'fan_in',
      distribution: 'untruncated_normal',
      seed: null,
    }),
    bias_initializer: initializer('Zeros', {}),
    kernel_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
  };
}

function denseConfig(name: string, units: number, activation: string): JsonObject {
  return {
    name,
    trainable: true,
    dtype: DTYPE,
    units,
    activation,
    use_bias: true,
    kernel_initializer: initializer('GlorotUniform', { seed: null }),
    bias_initializer: initializer('Zeros', {}),
    kernel_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
  };
}

interface Tensor {
  layer: string;
  shape: Shape;
}

/** A constructed, not yet applied layer; `apply` fills in the call and the shapes. */
interface PendingLayer {
  layer: GraphLayer;
  outputShape: (input: Shape | Shape[]) => Shape;
  variables: (input: Shape | Shape[]) => LayerVariable[];
}

const sameOutput = (input: Shape | Shape[]): Shape => single(input);
const noVariables = (): LayerVariable[] => [];

function single(input: Shape | Shape[]): Shape {
  if (isShapeList(input)) throw new Error('keras-graph: a single-input layer received a list');
  return input;
}

function isShapeList(input: Shape | Shape[]): input is Shape[] {
  return Array.isArray(input[0]);
}

function convOutput(c: ConvSpec): (input: Shape | Shape[]) => Shape {
  return (input) => {
    const [batch, h, w] = single(input);
    return [batch ?? null, Math.ceil((h as number) / c.strides[0]), Math.ceil((w as number) / c.strides[1]), c.outChannels];
  };
}

class GraphBuilder {
  private readonly names = new LayerNames();
  private readonly pending = new Map<string, PendingLayer>();
  readonly applied: GraphLayer[] = [];

  constructor(private readonly spec: SfNfNetSpec) {}

  private construct(
    base: string,
    className: string,
    module: string,
    registeredName: string | null,
    config: (name: string) => JsonObject,
    outputShape: PendingLayer['outputShape'],
    variables: PendingLayer['variables'] = noVariables,
    subgroups: string[] = ['vars'],
  ): PendingLayer {
    const name = this.names.next(base);
    const layer: GraphLayer = {
      name,
      className,
      module,
      registeredName,
      config: config(name),
      call: null,
      buildInputShape: null,
      outputShape: [],
      subgroups,
      variables: [],
    };
    const p = { layer, outputShape, variables };
    this.pending.set(name, p);
    return p;
  }

  input(): Tensor {
    const shape: Shape = [null, ...this.spec.inputShape];
    const name = this.names.next('input', false);
    const layer: GraphLayer = {
      name,
      className: 'InputLayer',
      module: KERAS_LAYERS,
      registeredName: null,
      config: { batch_input_shape: shape, dtype: DTYPE, sparse: false, ragged: false, name },
      call: null,
      buildInputShape: null,
      outputShape: shape,
      subgroups: ['vars'],
      variables: [],
    };
    this.applied.push(layer);
    return { layer: name, shape };
  }

  /** WeightStandardization(Conv2D(...)): the inner Conv2D is constructed (and named) first. */
  weightStandardizedConv(c: ConvSpec): PendingLayer {
    const convName = this.names.next('conv2d');
    const [kh, kw] = c.kernel;
    const fanIn = kh * kw * (c.inChannels / c.groups);
    return this.construct(
      'weight_standardization',
      'WeightStandardization',
      `${MULE_LAYERS}.weight_standardization`,
      'WeightStandardization',
      (name) => ({
        name,
        trainable: true,
        dtype: DTYPE,
        layer: { module: KERAS_LAYERS, class_name: 'Conv2D', config: conv2dConfig(convName, c), registered_name: null },
      }),
      convOutput(c),
      () => [
        { path: 'vars/0', shape: [kh, kw, c.inChannels / c.groups, c.outChannels], role: 'conv_kernel', fanIn },
        { path: 'vars/1', shape: [c.outChannels], role: 'conv_gain', fanIn },
        { path: 'layer/vars/0', shape: [c.outChannels], role: 'conv_bias', fanIn },
      ],
      ['vars', 'layer', 'layer/vars'],
    );
  }

  activation(): PendingLayer {
    const activation = scaledActivationConfig(this.spec.activation);
    return this.construct(
      'activation',
      'Activation',
      KERAS_LAYERS,
      null,
      (name) => ({ name, trainable: true, dtype: DTYPE, activation }),
      sameOutput,
    );
  }

  scalarMultiply(initGain: number, learnable = false): PendingLayer {
    return this.construct(
      'scalar_multiply',
      'ScalarMultiply',
      `${MULE_LAYERS}.scalar_multiply`,
      'ScalarMultiply',
      () => ({ init_gain: initGain, learnable }),
      sameOutput,
      learnable ? () => [{ path: 'vars/0', shape: [], role: 'skip_gain', fanIn: 1 }] : noVariables,
    );
  }

  globalAveragePooling(): PendingLayer {
    return this.construct(
      'global_average_pooling2d',
      'GlobalAveragePooling2D',
      KERAS_LAYERS,
      null,
      (name) => ({ name, trainable: true, dtype: DTYPE, data_format: 'channels_last', keepdims: false }),
      (input) => {
        const s = single(input);
        return [s[0] ?? null, s[s.length - 1] ?? null];
      },
    );
  }

  dense(units: number, activation: string): PendingLayer {
    return this.construct(
      'dense',
      'Dense',
      KERAS_LAYERS,
      null,
      (name) => denseConfig(name, units, activation),
      (input) => [single(input)[0] ?? null, units],
      (input) => {
        const s = single(input);
        const fanIn = s[s.length - 1] as number;
        return [
          { path: 'vars/0', shape: [fanIn, units], role: 'dense_kernel', fanIn },
          { path: 'vars/1', shape: [units], role: 'dense_bias', fanIn },
        ];
      },
    );
  }

  averagePooling(freqStride: number): PendingLayer {
    return this.construct(
      'average_pooling2d',
      'AveragePooling2D',
      KERAS_LAYERS,
      null,
      (name) => ({
        name,
        trainable: true,
        dtype: DTYPE,
        pool_size: [freqStride, 1],
        padding: 'same',
        strides: [freqStride, 1],
        data_format: 'channels_last',
      }),
      (input) => {
        const [batch, h, w, c] = single(input);
        return [batch ?? null, Math.ceil((h as number) / freqStride), w ?? null, c ?? null];
      },
    );
  }

  concatenate(): PendingLayer {
    return this.construct(
      'concatenate',
      'Concatenate',
      KERAS_LAYERS,
      null,
      (name) => ({ name, trainable: true, dtype: DTYPE, axis: -1 }),
      (input) => {
        if (!isShapeList(input)) throw new Error('keras-graph: Concatenate needs a list of inputs');
        const first = input[0]!;
        const channels = input.reduce((acc, s) => acc + (s[s.length - 1] as number), 0);
        return [...first.slice(0, -1), channels];
      },
    );
  }

  stochDepth(survivalProbability: number): PendingLayer {
    return this.construct(
      'stoch_depth',
      'StochDepth',
      `${MULE_LAYERS}.stoch_depth`,
      'StochDepth',
      (name) => ({
        name,
        trainable: true,
        dtype: DTYPE,
        survival_probability: survivalProbability,
        scale_during_test: false,
      }),
      (input) => (isShapeList(input) ? input[0]! : input),
    );
  }

  /** Calls a constructed layer on `inputs`; `kwargs` only for TFOpLambda. */
  apply(p: PendingLayer, inputs: Tensor | Tensor[]): Tensor {
    const inShape = Array.isArray(inputs) ? inputs.map((t) => t.shape) : inputs.shape;
    const layer = p.layer;
    layer.call = {
      firstArg: Array.isArray(inputs) ? inputs.map((t) => t.layer) : inputs.layer,
      kwargs: {},
      preserveInputStructure: false,
    };
    layer.buildInputShape = inShape;
    layer.outputShape = p.outputShape(inShape);
    layer.variables = p.variables(inShape);
    this.pending.delete(layer.name);
    this.applied.push(layer);
    return { layer: layer.name, shape: layer.outputShape };
  }

  /** A TF op on Keras tensors becomes a TFOpLambda layer, created (and named) when applied. */
  tfOp(symbol: string, x: Tensor, kwargs: Record<string, JsonValue | TensorRef>, outShape: Shape): Tensor {
    const name = this.names.next(`tf.${symbol}`);
    const layer: GraphLayer = {
      name,
      className: 'TFOpLambda',
      module: TF_OP_MODULE,
      registeredName: 'TFOpLambda',
      config: { name, trainable: true, dtype: DTYPE, function: symbol },
      call: { firstArg: x.layer, kwargs, preserveInputStructure: true },
      buildInputShape: x.shape,
      outputShape: outShape,
      subgroups: ['vars'],
      variables: [],
    };
    this.applied.push(layer);
    return { layer: name, shape: outShape };
  }

  assertAllApplied(): void {
    if (this.pending.size > 0) throw new Error(`keras-graph: layers never applied: ${[...this.pending.keys()].join(', ')}`);
  }
}

/** Layers of one conv as upstream `get_conv` makes them: the WS conv, then its activation if any. */
function makeConv(g: GraphBuilder, c: ConvSpec, activated: boolean): PendingLayer[] {
  const ws = g.weightStandardizedConv(c);
  return activated ? [ws, g.activation()] : [ws];
}

interface BlockLayers {
  input: PendingLayer[];
  residual: PendingLayer[];
  squeezeExcite: PendingLayer[];
  residualTail: PendingLayer[];
  skip: PendingLayer[];
  output: PendingLayer;
}

function makeBlock(g: GraphBuilder, b: BlockSpec, alpha: number): BlockLayers {
  const inputActivation = [g.activation(), g.scalarMultiply(b.beta)];
  const residual = b.transition ? [] : inputActivation;
  b.convs.forEach((c, i) => residual.push(...makeConv(g, c, i < b.convs.length - 1)));
  const squeezeExcite = [g.globalAveragePooling(), g.dense(b.seHidden, 'relu'), g.dense(b.outChannels, 'sigmoid')];
  const residualTail = [g.scalarMultiply(0.0, true), g.scalarMultiply(alpha)];
  const skip: PendingLayer[] = [];
  if (b.freqStride > 1) skip.push(g.averagePooling(b.freqStride));
  if (b.shortcut) skip.push(g.weightStandardizedConv(b.shortcut));
  return {
    input: b.transition ? inputActivation : [],
    residual,
    squeezeExcite,
    residualTail,
    skip,
    output: g.stochDepth(b.survivalProbability),
  };
}

function applySequence(g: GraphBuilder, layers: PendingLayer[], x: Tensor): Tensor {
  return layers.reduce((t, p) => g.apply(p, t), x);
}

/** `tf.expand_dims(tf.expand_dims(s * 2.0, axis=1), axis=1) * h`. */
function applySqueezeExcite(g: GraphBuilder, layers: PendingLayer[], h: Tensor): Tensor {
  const s = applySequence(g, layers, h);
  const doubled = g.tfOp('math.multiply', s, { y: 2.0, name: null }, s.shape);
  const [batch, channels] = s.shape;
  const e1 = g.tfOp('expand_dims', doubled, { axis: 1 }, [batch ?? null, 1, channels ?? null]);
  const e2 = g.tfOp('expand_dims', e1, { axis: 1 }, [batch ?? null, 1, 1, channels ?? null]);
  return g.tfOp('math.multiply', e2, { y: { tensor: h.layer }, name: null }, h.shape);
}

function applyBlock(g: GraphBuilder, block: BlockLayers, x: Tensor): Tensor {
  const input = applySequence(g, block.input, x);
  let residual = applySequence(g, block.residual, input);
  residual = applySqueezeExcite(g, block.squeezeExcite, residual);
  residual = applySequence(g, block.residualTail, residual);
  const skip = applySequence(g, block.skip, input);
  return g.apply(block.output, [skip, residual]);
}

/** Builds the graph of the released embedding model (ending at the head's scaled activation). */
export function buildKerasGraph(spec: SfNfNetSpec, modelName = 'model'): KerasGraph {
  const g = new GraphBuilder(spec);
  const input = g.input();

  const stem = (convs: ConvSpec[]): PendingLayer[] =>
    convs.flatMap((c, i) => makeConv(g, c, i < convs.length - 1));
  const slowStem = stem(spec.slow.stem);
  const fastStem = stem(spec.fast.stem);
  const slowStages = spec.slow.stages.map((s) => s.blocks.map((b) => makeBlock(g, b, spec.alpha)));
  const fastStages = spec.fast.stages.map((s) => s.blocks.map((b) => makeBlock(g, b, spec.alpha)));
  const fusions = spec.fusions.map((f) => ({
    temporal: g.weightStandardizedConv(f.temporal),
    pointwise: g.weightStandardizedConv(f.pointwise),
    concat: g.concatenate(),
  }));
  const head = {
    slowPool: g.globalAveragePooling(),
    fastPool: g.globalAveragePooling(),
    concat: g.concatenate(),
    activation: g.activation(),
  };

  let slow = applySequence(g, slowStem, input);
  let fast = applySequence(g, fastStem, input);
  fusions.forEach((fusion, s) => {
    const fused = applySequence(g, [fusion.temporal, fusion.pointwise], fast);
    slow = g.apply(fusion.concat, [slow, fused]);
    slow = slowStages[s]!.reduce((t, block) => applyBlock(g, block, t), slow);
    fast = fastStages[s]!.reduce((t, block) => applyBlock(g, block, t), fast);
  });
  const pooled = g.apply(head.concat, [g.apply(head.slowPool, slow), g.apply(head.fastPool, fast)]);
  const output = g.apply(head.activation, pooled);
  g.assertAllApplied();

  const ordered = functionalLayerOrder(
    g.applied.map((layer) => ({ name: layer.name, inputs: kerasInputs(layer.call), layer })),
    output.layer,
  ).map((o) => o.layer);
  return { modelName, inputName: input.layer, outputName: output.layer, layers: ordered };
}

function tensorEntry(name: string): [string, number, number] {
  return [name, 0, 0];
}

function serializeKwargs(kwargs: KerasCall['kwargs']): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(kwargs)) out[k] = isTensorRef(v) ? tensorEntry(v.tensor) : v;
  return out;
}

/** Keras 2 `inbound_nodes`: one node per call, each a list of `[name, node, tensor, kwargs]`. */
function inboundNodes(call: KerasCall | null): JsonValue[] {
  if (!call) return [];
  const kwargs = serializeKwargs(call.kwargs);
  const entry = (name: string): JsonValue => [...tensorEntry(name), kwargs];
  if (Array.isArray(call.firstArg)) return [call.firstArg.map(entry)];
  const node = entry(call.firstArg);
  return [call.preserveInputStructure ? node : [node]];
}

/** One entry of `config.layers`, keys in the order Keras writes them. */
export function serializeLayer(layer: GraphLayer): JsonObject {
  const entry: JsonObject = {
    module: layer.module,
    class_name: layer.className,
    config: layer.config,
    registered_name: layer.registeredName,
  };
  if (layer.buildInputShape) entry.build_config = { input_shape: layer.buildInputShape };
  entry.name = layer.name;
  entry.inbound_nodes = inboundNodes(layer.call);
  return entry;
}

/** The `config.json` object of the model. */
export function kerasModelConfig(graph: KerasGraph): JsonObject {
  const input = graph.layers.find((l) => l.name === graph.inputName);
  return {
    module: 'keras.src.engine.functional',
    class_name: 'Functional',
    config: {
      name: graph.modelName,
      trainable: true,
      layers: graph.layers.map(serializeLayer),
      input_layers: [tensorEntry(graph.inputName)],
      output_layers: [tensorEntry(graph.outputName)],
    },
    registered_name: 'Functional',
    build_config: { input_shape: input ? input.outputShape : null },
  };
}

/** The h5 group of every layer of `graph` (same order as `graph.layers`). */
export function layerCheckpointPaths(graph: KerasGraph): string[] {
  return checkpointGroupPaths(graph.layers.map((l) => ({ className: l.className, weighted: l.variables.length > 0 })));
}
