/**
 * A small typed builder of single-graph ONNX models: named inputs/outputs with symbolic (dynamic)
 * dimensions, float32/int64 initializers, and one helper per operator the exporter uses.
 *
 * Opset 17 (IR version 8), chosen on purpose:
 * - everything the SF-NFNet backbone needs is there with stable semantics: Conv and AveragePool
 *   with explicit `pads` (TensorFlow 'same' computed per layer, see `tf-same-padding.ts`: ONNX's
 *   `auto_pad = SAME_UPPER` differs from TF when a kernel is smaller than its stride),
 *   AveragePool `count_include_pad = 0` (TF's 'same' average excludes the padding),
 *   Erf (since 9/13), GlobalAveragePool, Gemm;
 * - ReduceMean still takes `axes` as an attribute (it became an input in 18);
 * - the Gelu operator only exists from opset 20; we write exact GELU as
 *   x·0.5·(1 + erf(x/√2)), which ORT's level-2 optimiser fuses into its own Gelu kernel anyway,
 *   and which runtimes without opset 20 (older ORT, onnxruntime-web builds, TensorRT 8.x) run;
 * - onnxruntime-node 1.30 and every ORT since 1.13 implement opset 17.
 */
import { endianness } from 'node:os';
import { Float16Array } from '@petamoriken/float16';
import {
  ONNX_FIELD,
  OnnxAttributeType,
  OnnxDataType,
  encodeMessage,
  lengthDelimitedPrefix,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './onnx-proto.js';

export const ONNX_OPSET = 17;
/** onnxruntime's operator domain (contrib ops). */
export const ORT_DOMAIN = 'com.microsoft';
export const ONNX_IR_VERSION = 8;

/** A dimension: a fixed size, or a symbolic name (dynamic, e.g. the batch 'N'). */
export type Dim = number | string;

export type AttributeValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] };

export const attr = {
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  string: (value: string): AttributeValue => ({ kind: 'string', value }),
  ints: (value: readonly number[]): AttributeValue => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): AttributeValue => ({ kind: 'floats', value }),
};

export type AutoPad = 'SAME_UPPER' | 'VALID' | 'NOTSET';

/** Explicit [top, left, bottom, right] pads, or an ONNX auto_pad mode. */
export type Padding = { pads: readonly [number, number, number, number] } | { autoPad: AutoPad };

export interface ConvOptions {
  kernelShape: readonly [number, number];
  strides?: readonly [number, number];
  group?: number;
  padding: Padding;
}

export interface AveragePoolOptions {
  kernelShape: readonly [number, number];
  strides: readonly [number, number];
  padding: Padding;
  /** TensorFlow's average excludes padded cells: false. */
  countIncludePad: boolean;
}

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
}

/** A serialised model as byte chunks (concatenate them in order). */
export interface EncodedModel {
  chunks: Uint8Array[];
  byteLength: number;
}

export function concatEncodedModel({ chunks, byteLength }: EncodedModel): Uint8Array {
  const out = new Uint8Array(byteLength);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export interface ModelMetadata {
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

function toAttribute(name: string, a: AttributeValue): AttributeProto {
  switch (a.kind) {
    case 'int':
      return { name, type: OnnxAttributeType.INT, i: a.value };
    case 'float':
      return { name, type: OnnxAttributeType.FLOAT, f: a.value };
    case 'string':
      return { name, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(a.value) };
    case 'ints':
      return { name, type: OnnxAttributeType.INTS, ints: [...a.value] };
    case 'floats':
      return { name, type: OnnxAttributeType.FLOATS, floats: [...a.value] };
  }
}

/** A conv's attributes (shared by Conv and QLinearConv). */
export function convAttributes(o: ConvOptions): Record<string, AttributeValue> {
  return {
    kernel_shape: attr.ints(o.kernelShape),
    strides: attr.ints(o.strides ?? [1, 1]),
    group: attr.int(o.group ?? 1),
    ...paddingAttributes(o.padding),
  };
}

function paddingAttributes(p: Padding): Record<string, AttributeValue> {
  return 'pads' in p ? { pads: attr.ints(p.pads) } : { auto_pad: attr.string(p.autoPad) };
}

function tensorValueInfo(name: string, dims: readonly Dim[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: OnnxDataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export class OnnxGraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private usesOrtDomain = false;
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly valueInfos: ValueInfoProto[] = [];
  private readonly defined = new Set<string>();
  private readonly scalars = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  private scope = '';

  constructor(private readonly graphName: string) {
    if (endianness() !== 'LE') throw new Error('ONNX raw_data is little-endian; this host is big-endian');
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  get initializerCount(): number {
    return this.initializers.length;
  }

  /** Runs `build` with node and value names prefixed by `prefix/` (nests). */
  scoped<T>(prefix: string, build: () => T): T {
    const saved = this.scope;
    this.scope = saved ? `${saved}/${prefix}` : prefix;
    try {
      return build();
    } finally {
      this.scope = saved;
    }
  }

  /** A fresh value name under the current scope. */
  freshName(hint: string): string {
    const base = this.scope ? `${this.scope}/${hint}` : hint;
    let k = this.counters.get(base) ?? 0;
    let name = k === 0 ? base : `${base}_${k}`;
    while (this.defined.has(name)) name = `${base}_${++k}`;
    this.counters.set(base, k + 1);
    return name;
  }

  private define(name: string): string {
    if (this.defined.has(name)) throw new Error(`ONNX graph '${this.graphName}': value '${name}' is defined twice`);
    this.defined.add(name);
    return name;
  }

  input(name: string, dims: readonly Dim[]): string {
    this.inputs.push(tensorValueInfo(this.define(name), dims));
    return name;
  }

  /** Marks an existing value as a graph output with its (possibly symbolic) shape. */
  output(value: string, dims: readonly Dim[]): string {
    if (!this.defined.has(value)) throw new Error(`ONNX graph '${this.graphName}': output '${value}' is not defined`);
    this.outputs.push(tensorValueInfo(value, dims));
    return value;
  }

  /** Records the expected shape of an intermediate value (documentation for viewers and checkers). */
  valueInfo(value: string, dims: readonly Dim[]): void {
    this.valueInfos.push(tensorValueInfo(value, dims));
  }

  /** A float32 initializer. The array is referenced, not copied, until the model is encoded. */
  floatTensor(name: string, data: Float32Array, dims: readonly number[]): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) {
      throw new Error(`ONNX initializer '${name}': ${data.length} values for shape [${dims.join(', ')}] (${count})`);
    }
    this.initializers.push({
      name: this.define(name),
      dims: [...dims],
      dataType: OnnxDataType.FLOAT,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /**
   * A float16 initializer of `data` (rounded to nearest, ties to even) and a Cast of it to float32:
   * the file holds half the bytes, the graph computes in float32 (ORT folds the Cast at load).
   * Returns the float32 value.
   */
  float16Weights(name: string, data: Float32Array, dims: readonly number[]): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) {
      throw new Error(`ONNX initializer '${name}': ${data.length} values for shape [${dims.join(', ')}] (${count})`);
    }
    const halves = new Float16Array(data);
    const raw = new Uint8Array(halves.buffer, halves.byteOffset, halves.byteLength);
    this.initializers.push({ name: this.define(`${name}.f16`), dims: [...dims], dataType: OnnxDataType.FLOAT16, rawData: raw });
    return this.node('Cast', [`${name}.f16`], { to: attr.int(OnnxDataType.FLOAT) }, name);
  }

  /** An integer initializer (int8, uint8 or int32), for quantized weights, biases and zero points. */
  intTensor(name: string, data: Int8Array | Uint8Array | Int32Array, dims: readonly number[]): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) throw new Error(`ONNX initializer '${name}': ${data.length} values for shape [${dims.join(', ')}] (${count})`);
    const dataType = data instanceof Int8Array ? OnnxDataType.INT8 : data instanceof Uint8Array ? OnnxDataType.UINT8 : OnnxDataType.INT32;
    this.initializers.push({ name: this.define(name), dims: [...dims], dataType, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  int64Tensor(name: string, data: readonly number[], dims: readonly number[]): string {
    const raw = new BigInt64Array(data.map((v) => BigInt(v)));
    this.initializers.push({
      name: this.define(name),
      dims: [...dims],
      dataType: OnnxDataType.INT64,
      rawData: new Uint8Array(raw.buffer),
    });
    return name;
  }

  /** A float32 scalar constant (shape []), shared between all users of the same float32 value. */
  scalar(value: number): string {
    const f = Math.fround(value);
    const key = Object.is(f, -0) ? '-0' : String(f);
    const known = this.scalars.get(key);
    if (known) return known;
    const name = this.floatTensor(`const/${key}`, Float32Array.of(f), []);
    this.scalars.set(key, name);
    return name;
  }

  /** Adds a node; returns its output value, named `out` or a fresh name. */
  node(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, out?: string): string {
    for (const i of inputs) {
      if (i !== '' && !this.defined.has(i)) {
        throw new Error(`ONNX graph '${this.graphName}': ${opType} reads '${i}', which nothing defines yet`);
      }
    }
    const output = this.define(out ?? this.freshName(opType));
    this.nodes.push({
      input: [...inputs],
      output: [output],
      name: output === out ? `${opType}:${output}` : output,
      opType,
      attribute: Object.entries(attributes).map(([k, v]) => toAttribute(k, v)),
    });
    return output;
  }

  /**
   * An operator of onnxruntime's own domain (com.microsoft), which makes the model onnxruntime-only;
   * used where a standard pattern is not fused (see the int8 GELU in backbone-layers.ts).
   */
  onnxruntimeNode(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, out?: string): string {
    const output = this.node(opType, inputs, attributes, out);
    this.nodes.at(-1)!.domain = ORT_DOMAIN;
    this.usesOrtDomain = true;
    return output;
  }

  conv(x: string, weight: string, bias: string | null, o: ConvOptions, out?: string): string {
    return this.node('Conv', bias ? [x, weight, bias] : [x, weight], convAttributes(o), out);
  }

  averagePool(x: string, o: AveragePoolOptions, out?: string): string {
    return this.node(
      'AveragePool',
      [x],
      {
        kernel_shape: attr.ints(o.kernelShape),
        strides: attr.ints(o.strides),
        ...paddingAttributes(o.padding),
        count_include_pad: attr.int(o.countIncludePad ? 1 : 0),
      },
      out,
    );
  }

  globalAveragePool(x: string, out?: string): string {
    return this.node('GlobalAveragePool', [x], {}, out);
  }

  add(a: string, b: string, out?: string): string {
    return this.node('Add', [a, b], {}, out);
  }

  sub(a: string, b: string, out?: string): string {
    return this.node('Sub', [a, b], {}, out);
  }

  mul(a: string, b: string, out?: string): string {
    return this.node('Mul', [a, b], {}, out);
  }

  div(a: string, b: string, out?: string): string {
    return this.node('Div', [a, b], {}, out);
  }

  max(a: string, b: string, out?: string): string {
    return this.node('Max', [a, b], {}, out);
  }

  sqrt(x: string, out?: string): string {
    return this.node('Sqrt', [x], {}, out);
  }

  reciprocal(x: string, out?: string): string {
    return this.node('Reciprocal', [x], {}, out);
  }

  sigmoid(x: string, out?: string): string {
    return this.node('Sigmoid', [x], {}, out);
  }

  relu(x: string, out?: string): string {
    return this.node('Relu', [x], {}, out);
  }

  erf(x: string, out?: string): string {
    return this.node('Erf', [x], {}, out);
  }

  concat(values: readonly string[], axis: number, out?: string): string {
    return this.node('Concat', values, { axis: attr.int(axis) }, out);
  }

  /** Reshape to a constant shape (0 keeps that input dim, -1 infers one dim). */
  reshape(x: string, shape: readonly number[], out?: string): string {
    const key = `const/shape[${shape.join(',')}]`;
    const shapeName = this.defined.has(key) ? key : this.int64Tensor(key, shape, [shape.length]);
    return this.node('Reshape', [x, shapeName], {}, out);
  }

  flatten(x: string, axis = 1, out?: string): string {
    return this.node('Flatten', [x], { axis: attr.int(axis) }, out);
  }

  gemm(a: string, b: string, c: string | null, o: GemmOptions = {}, out?: string): string {
    return this.node(
      'Gemm',
      c ? [a, b, c] : [a, b],
      {
        alpha: attr.float(o.alpha ?? 1),
        beta: attr.float(o.beta ?? 1),
        transA: attr.int(o.transA ? 1 : 0),
        transB: attr.int(o.transB ? 1 : 0),
      },
      out,
    );
  }

  matMul(a: string, b: string, out?: string): string {
    return this.node('MatMul', [a, b], {}, out);
  }

  transpose(x: string, perm: readonly number[], out?: string): string {
    return this.node('Transpose', [x], { perm: attr.ints(perm) }, out);
  }

  reduceMean(x: string, axes: readonly number[], keepdims: boolean, out?: string): string {
    return this.node('ReduceMean', [x], { axes: attr.ints(axes), keepdims: attr.int(keepdims ? 1 : 0) }, out);
  }

  toModelProto(meta: ModelMetadata = {}): ModelProto {
    if (this.outputs.length === 0) throw new Error(`ONNX graph '${this.graphName}' has no output`);
    return {
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }, ...(this.usesOrtDomain ? [{ domain: ORT_DOMAIN, version: 1 }] : [])],
      producerName: meta.producerName ?? 'mule-ts',
      producerVersion: meta.producerVersion ?? '',
      ...(meta.docString ? { docString: meta.docString } : {}),
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
        valueInfo: this.valueInfos,
      },
      metadataProps: Object.entries(meta.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
  }

  /**
   * The serialised model as chunks whose concatenation is the ONNX protobuf: the graph without
   * initializers, then each initializer's header followed by its raw data (referenced, not
   * copied). Writing the chunks in order never holds a second copy of the weights.
   */
  encodeChunks(meta: ModelMetadata = {}): EncodedModel {
    const model = this.toModelProto(meta);
    const { initializer, ...graphWithoutInitializers } = model.graph;
    const { graph: _graph, ...modelWithoutGraph } = model;
    const graphHead = encodeMessage('GraphProto', graphWithoutInitializers);
    const tensorChunks: Uint8Array[] = [];
    let graphBytes = graphHead.length;
    for (const t of initializer) {
      const { rawData, ...header } = t;
      const raw = rawData ?? new Uint8Array(0);
      const tensorHead = encodeMessage('TensorProto', header);
      const rawPrefix = lengthDelimitedPrefix(ONNX_FIELD.tensorRawData, raw.length);
      const tensorBytes = tensorHead.length + rawPrefix.length + raw.length;
      const entryPrefix = lengthDelimitedPrefix(ONNX_FIELD.graphInitializer, tensorBytes);
      tensorChunks.push(entryPrefix, tensorHead, rawPrefix, raw);
      graphBytes += entryPrefix.length + tensorBytes;
    }
    // protobuf messages are limited to 2 GiB; beyond that ONNX needs external data files.
    if (graphBytes >= 2 ** 31 - 1024) throw new Error(`ONNX graph '${this.graphName}' is ${graphBytes} bytes, over the 2 GiB protobuf limit`);
    const chunks = [
      encodeMessage('ModelProto', modelWithoutGraph),
      lengthDelimitedPrefix(ONNX_FIELD.modelGraph, graphBytes),
      graphHead,
      ...tensorChunks,
    ];
    return { chunks, byteLength: chunks.reduce((n, c) => n + c.length, 0) };
  }

  /** The serialised model (ONNX protobuf bytes) in one buffer. */
  encode(meta: ModelMetadata = {}): Uint8Array {
    return concatEncodedModel(this.encodeChunks(meta));
  }
}
