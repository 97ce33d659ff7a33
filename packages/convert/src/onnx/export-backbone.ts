/**
 * Exports the SF-NFNet-F0 backbone to ONNX: `mel_slices` float32 (N, 1, 96, W) NCHW with a
 * dynamic N and, by default, a dynamic W (300 frames for every full slice; upstream's narrower
 * slice of a 2-3 s clip runs too), to `embedding` (N, embeddingDim). Semantics as upstream `SfNfNetF0` (see
 * shared/reference/UPSTREAM.md): both stems, the fast-to-slow fusions concatenated after the slow
 * channels, the NF stages, and the head GAP(slow) ++ GAP(fast) → scaled GELU.
 */
import { BACKBONE_INPUT_NAME, BACKBONE_OUTPUT_NAME, type SfNfNetSpec } from '@mule-ts/core';
import { channelAxis, inLayout, materialise, nfBlock, plain, scaledGelu, wsConv, type BackboneGraphContext, type ConvRanges, type Feature, type Layout, type ScaleFolding } from './backbone-layers.js';
import { OnnxGraphBuilder, concatEncodedModel, type EncodedModel } from './onnx-graph-builder.js';
import { writeFileAtomic } from '../output/write-file-atomic.js';

export const BATCH_DIM = 'N';
export const WIDTH_DIM = 'W';

export interface BackboneOnnxOptions {
  /** Keep v and gain as initializers and standardise inside the graph (default: baked kernels). */
  keepWs?: boolean;
  /** Which constant-factor folds to apply (default: all). Off reproduces the Keras graph's multiplies. */
  fold?: Partial<ScaleFolding>;
  /**
   * Run a transition block's frequency stride in its 1×1 conv instead of the (1,3) conv after it
   * (default true): exact, and the rows the strided conv skips are never computed.
   */
  hoistStrides?: boolean;
  /** Names the checkpoint in error messages (default 'checkpoint'). */
  source?: string;
  producerVersion?: string;
  /**
   * Frames per slice: 'dynamic' (default) declares the input (N, 1, 96, W) so any width works
   * (upstream's narrower slice of a 2-3 s clip included); a number fixes it (explicit pads everywhere).
   */
  width?: number | 'dynamic';
  /**
   * 'float16': conv and dense weights stored as float16 and cast to float32 in the graph (half the
   * file; ORT folds the casts at load and computes in float32). Default 'float32'. Not with keepWs.
   */
  weights?: 'float32' | 'float16';
  /** int8: the calibrated input/output range of each conv by prefix; those convs become QDQ convs. */
  int8Ranges?: ReadonlyMap<string, ConvRanges>;
  /**
   * Run the slow path channels-last (NHWC) after its stem, its int8 convs as onnxruntime's
   * QLinearConv with channels_last (default: with int8Ranges; its float convs are transposed in and
   * out). The input and output stay as declared.
   */
  channelsLast?: boolean;
  /**
   * Calibration: also output every weight-standardised conv's input and output (float32), named
   * `calibration/<prefix>/input` and `.../output`; `onConv` is told each (prefix, input, output).
   */
  calibrationOutputs?: boolean;
}

/** The graph output names of a conv's input and output in a calibration model. */
export function calibrationOutputNames(prefix: string): { input: string; output: string } {
  return { input: `calibration/${prefix}/input`, output: `calibration/${prefix}/output` };
}

export interface BackboneOnnxSummary {
  byteLength: number;
  /** Of the file as written. */
  sha256: string;
  nodeCount: number;
  initializerCount: number;
}

export interface BackboneOnnx {
  /** The model as byte chunks (their concatenation is the .onnx file); see `OnnxGraphBuilder.encodeChunks`. */
  encoded: EncodedModel;
  nodeCount: number;
  initializerCount: number;
}

/**
 * Adds the backbone to `b`, reading `input` (N, 1, mel bins, W), and names its (N, D) embedding
 * `outputName`; returns the graph context (for the metadata) and the convs observed for calibration. Shared by the backbone file and the
 * whole-pipeline file.
 */
export function addBackboneGraph(
  b: OnnxGraphBuilder,
  spec: SfNfNetSpec,
  tensor: (name: string) => Float32Array,
  options: BackboneOnnxOptions,
  input: Feature,
  outputName: string,
): { ctx: BackboneGraphContext; observed: ObservedConv[] } {
  if (options.weights === 'float16' && options.keepWs) throw new Error('float16 weights need the standardised kernels baked in (keepWs: false)');
  const ctx: BackboneGraphContext = {
    b,
    tensor,
    source: options.source ?? 'checkpoint',
    keepWs: options.keepWs ?? false,
    fold: { activationScales: options.fold?.activationScales ?? true, residualScales: options.fold?.residualScales ?? true },
    hoistStrides: options.hoistStrides ?? true,
    activationGain: spec.activationGain,
    alpha: spec.alpha,
    weights: options.weights ?? 'float32',
    ...(options.int8Ranges ? { int8Ranges: options.int8Ranges } : {}),
  };
  const observed: ObservedConv[] = [];
  if (options.calibrationOutputs) ctx.observeConv = (prefix, input, output, layout) => observed.push({ prefix, input, output, layout });
  const stem = (path: 'slow' | 'fast'): Feature => {
    let x = plain(input);
    spec[path].stem.forEach((conv, i) => {
      const out = wsConv(ctx, `${path}.stem.${i}`, conv, x);
      const last = i === spec[path].stem.length - 1;
      x = last ? plain(out) : b.scoped(`${path}.stem.${i}`, () => scaledGelu(ctx, out));
    });
    return x;
  };
  const slowLayout: Layout = (options.channelsLast ?? options.int8Ranges !== undefined) ? 'nhwc' : 'nchw';
  let slow = b.scoped('slow.stem', () => inLayout(b, stem('slow'), slowLayout));
  // The fast path stays NCHW: its convs stay float32 in int8 models (the drift check), and its
  // narrow int8 convs measured no faster.
  let fast = stem('fast');
  const shapeInfo = (x: Feature, channels: number) => {
    if (x.w !== null) b.valueInfo(x.name, x.layout === 'nhwc' ? [BATCH_DIM, x.h, x.w, channels] : [BATCH_DIM, channels, x.h, x.w]);
  };

  spec.fusions.forEach((fusion, s) => {
    const temporal = wsConv(ctx, `fusions.${s}.temporal`, fusion.temporal, plain(fast));
    const pointwise = wsConv(ctx, `fusions.${s}.pointwise`, fusion.pointwise, plain(b.scoped(`fusions.${s}`, () => inLayout(b, temporal, slowLayout))));
    if (pointwise.h !== slow.h || pointwise.w !== slow.w) {
      throw new Error(`internal: fusion ${s} gives ${pointwise.h}×${pointwise.w}, the slow path is ${slow.h}×${slow.w}`);
    }
    slow = { ...slow, name: b.scoped(`fusions.${s}`, () => b.concat([slow.name, pointwise.name], channelAxis(slowLayout))) };
    spec.slow.stages[s]!.blocks.forEach((block, k) => {
      slow = nfBlock(ctx, `slow.stages.${s}.blocks.${k}`, block, slow);
      shapeInfo(slow, block.outChannels);
    });
    spec.fast.stages[s]!.blocks.forEach((block, k) => {
      fast = nfBlock(ctx, `fast.stages.${s}.blocks.${k}`, block, fast);
      shapeInfo(fast, block.outChannels);
    });
  });

  const features: Feature = b.scoped('head', () => {
    const pooled = (x: Feature) => (x.layout === 'nhwc' ? b.reduceMean(x.name, [1, 2], false) : b.flatten(b.globalAveragePool(x.name), 1));
    return { name: b.concat([pooled(slow), pooled(fast)], 1), h: 1, w: 1 };
  });
  const activated = b.scoped('head', () => scaledGelu(ctx, features));
  materialise(ctx, activated, outputName);
  return { ctx, observed };
}

interface ObservedConv {
  prefix: string;
  input: string;
  output: string;
  layout: Layout;
}

/** Calibration: every observed conv's input and output as graph outputs (after the model's own), NCHW. */
function addCalibrationOutputs(b: OnnxGraphBuilder, observed: readonly ObservedConv[]): void {
  for (const { prefix, input, output, layout } of observed) {
    const names = calibrationOutputNames(prefix);
    const nchw = (value: string, out: string) => (layout === 'nhwc' ? b.transpose(value, [0, 3, 1, 2], out) : b.node('Identity', [value], {}, out));
    b.output(nchw(input, names.input), [BATCH_DIM, `${prefix}/ci`, `${prefix}/hi`, `${prefix}/wi`]);
    b.output(nchw(output, names.output), [BATCH_DIM, `${prefix}/co`, `${prefix}/ho`, `${prefix}/wo`]);
  }
}

/** Builds the backbone graph; `tensor(name)` returns a canonical tensor (runtime `canonical-names.ts`). */
export function buildBackboneOnnxModel(
  spec: SfNfNetSpec,
  tensor: (name: string) => Float32Array,
  options: BackboneOnnxOptions = {},
): BackboneOnnx {
  const b = new OnnxGraphBuilder('sfnfnet_f0_backbone');
  const [height, , channels] = spec.inputShape;
  // The height is always known; the width is dynamic unless fixed (see tf-same-padding.ts).
  const width = options.width === undefined || options.width === 'dynamic' ? null : options.width;
  const input: Feature = {
    name: b.input(BACKBONE_INPUT_NAME, [BATCH_DIM, channels, height, width ?? WIDTH_DIM]),
    h: height,
    w: width,
  };
  const { ctx, observed } = addBackboneGraph(b, spec, tensor, options, input, BACKBONE_OUTPUT_NAME);
  b.output(BACKBONE_OUTPUT_NAME, [BATCH_DIM, spec.embeddingDim]);
  addCalibrationOutputs(b, observed);

  const encoded = b.encodeChunks({
    producerName: 'mule-ts',
    producerVersion: options.producerVersion ?? '',
    docString: 'SF-NFNet-F0 backbone (MULE): mel_slices (N, 1, mel bins, frames) -> embedding (N, D)',
    metadata: {
      weight_standardization: ctx.keepWs ? 'in graph (v, gain)' : 'baked into the kernels (float64)',
      weights: ctx.weights === 'float16' ? 'float16 (conv and dense weights; cast to float32 in the graph)' : 'float32',
      input_layout: 'NCHW: (batch, 1, mel bins, frames)',
    },
  });
  return { encoded, nodeCount: b.nodeCount, initializerCount: b.initializerCount };
}

/** The backbone as ONNX model bytes. */
export function buildBackboneOnnx(spec: SfNfNetSpec, tensor: (name: string) => Float32Array, options: BackboneOnnxOptions = {}): Uint8Array {
  return concatEncodedModel(buildBackboneOnnxModel(spec, tensor, options).encoded);
}


/**
 * Builds the backbone and writes it atomically (temp file beside `file`, then rename), streaming
 * the weights: the model is never held in memory twice.
 */
export async function writeBackboneOnnx(
  file: string,
  spec: SfNfNetSpec,
  tensor: (name: string) => Float32Array,
  options: BackboneOnnxOptions = {},
): Promise<BackboneOnnxSummary> {
  const { encoded, nodeCount, initializerCount } = buildBackboneOnnxModel(spec, tensor, options);
  const { sha256 } = await writeFileAtomic(file, encoded.chunks);
  return { byteLength: encoded.byteLength, sha256, nodeCount, initializerCount };
}
