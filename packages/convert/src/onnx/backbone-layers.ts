/**
 * The SF-NFNet-F0 building blocks as ONNX subgraphs: weight-standardised convs, scaled GELU,
 * squeeze-excite, NF blocks. Layout NCHW with H = mel bins and W = frames, so a Keras kernel
 * (kh, kw) and strides (sh, sw) carry over unchanged.
 *
 * Constant factors are folded where the algebra is exact, so the graph stays lean:
 * - the scaled-GELU gain and a block's beta are carried as a pending factor on the activation and
 *   multiplied into the next conv's kernel (conv(k·x; W, b) = conv(x; k·W, b)); average pooling is
 *   linear and lets the factor through to the shortcut conv;
 * - skip_gain·alpha and the squeeze-excite 2 become one factor on the sigmoid output (N×C×1×1),
 *   not three multiplies of the full activation.
 * With folding off, every factor is its own Mul, as in the Keras graph.
 *
 * Stride hoisting (on by default): in a transition block the (1,3) conv has a frequency stride s
 * and a kernel height of 1, so it reads only the rows 0, s, 2s, ... of its input (TF 'same' pads
 * nothing before when the kernel height is 1). The 1×1 conv and the GELU before it work row by row,
 * so running that 1×1 conv with stride (s, 1) and the (1,3) conv with stride 1 is the same
 * computation without the rows nobody reads: (s-1)/s of the 1×1 conv's work (the widest conv of
 * the slow path: 4608 input channels in the last stage).
 */
import { qdqConv, qlinearConvChannelsLast, type ActivationRange } from './qdq-conv.js';
import { MuleError, type BlockSpec, type ConvSpec } from '@mule-ts/core';
import type { OnnxGraphBuilder } from './onnx-graph-builder.js';
import { onnxSamePadding } from './tf-same-padding.js';
import { WS_EPSILON, standardiseConvKernel } from './weight-standardisation.js';

export interface ScaleFolding {
  /** Activation gain and beta into the next conv's kernel. */
  activationScales: boolean;
  /** 2·skip_gain·alpha into the squeeze-excite multiply. */
  residualScales: boolean;
}

export interface BackboneGraphContext {
  b: OnnxGraphBuilder;
  /** Canonical tensors (runtime `canonical-names.ts`), checked for size on read. */
  tensor: (name: string) => Float32Array;
  /** Names the checkpoint in error messages. */
  source: string;
  /** Keep v and gain as initializers and standardise inside the graph. */
  keepWs: boolean;
  fold: ScaleFolding;
  /** Move a transition block's frequency stride from its (1,3) conv to the 1×1 conv before it. */
  hoistStrides: boolean;
  activationGain: number;
  alpha: number;
  /** How conv and dense weights are stored: float32, or float16 cast to float32 in the graph. */
  weights: 'float32' | 'float16';
  /** int8: each conv with a calibrated input and output range becomes a QDQ conv (see qdq-conv.ts). */
  int8Ranges?: ReadonlyMap<string, ConvRanges>;
  /** Calibration: told every weight-standardised conv's input and output value (and their layout). */
  observeConv?: (prefix: string, input: string, output: string, layout: Layout) => void;
}

/** The calibrated ranges of one conv's input and output. */
export interface ConvRanges {
  input: ActivationRange;
  output: ActivationRange;
}

/** A conv or dense weight initializer, stored as the context says; returns the float32 value. */
function weightTensor(ctx: BackboneGraphContext, name: string, data: Float32Array, dims: readonly number[]): string {
  return ctx.weights === 'float16' ? ctx.b.float16Weights(name, data, dims) : ctx.b.floatTensor(name, data, dims);
}

export type Layout = 'nchw' | 'nhwc';

/** A feature map: its value name and spatial size (H = mel bins, W = frames). */
export interface Feature {
  name: string;
  h: number;
  /** null when the width is dynamic (the exported default: any slice width works). */
  w: number | null;
  /** NCHW unless said (the int8 slow path runs NHWC). */
  layout?: Layout;
}

function layoutOf(x: Feature): Layout {
  return x.layout ?? 'nchw';
}

/** The same feature map under another value name. */
function renamed(x: Feature, name: string): Feature {
  return { name, h: x.h, w: x.w, layout: layoutOf(x) };
}

/** `x` in `layout`, transposed if it is not. */
export function inLayout(b: OnnxGraphBuilder, x: Feature, layout: Layout): Feature {
  if (layoutOf(x) === layout) return x;
  return { ...renamed(x, b.transpose(x.name, layout === 'nhwc' ? [0, 2, 3, 1] : [0, 3, 1, 2])), layout };
}

/** The channel axis of a 4-d feature map in `layout`. */
export function channelAxis(layout: Layout): number {
  return layout === 'nhwc' ? 3 : 1;
}

/** A feature map whose meaning is `name` times the product of `factors` (not applied yet). */
export interface PendingScale extends Feature {
  factors: number[];
}

const SQRT2 = Math.SQRT2;

export function readTensor(ctx: BackboneGraphContext, name: string, shape: readonly number[]): Float32Array {
  const expected = shape.reduce((a, b) => a * b, 1);
  let data: Float32Array;
  try {
    data = ctx.tensor(name);
  } catch (cause) {
    if (cause instanceof MuleError) throw cause;
    throw new MuleError('MISSING_WEIGHT', `${ctx.source}: cannot read tensor '${name}': ${(cause as Error).message}`, {
      file: ctx.source,
      tensor: name,
      cause,
    });
  }
  if (data.length !== expected) {
    throw new MuleError(
      'WRONG_SHAPE',
      `${ctx.source}: tensor '${name}' holds ${data.length} values, expected shape [${shape.join(', ')}] (${expected})`,
      { file: ctx.source, tensor: name, expected: shape, found: data.length },
    );
  }
  return data;
}

/** Applies the pending factors as Mul nodes (one per factor, or one for their product when folding). */
export function materialise(ctx: BackboneGraphContext, x: PendingScale, out?: string): Feature {
  const { b } = ctx;
  const factors = x.factors.filter((f) => f !== 1);
  if (factors.length === 0) return renamed(x, out ? b.node('Identity', [x.name], {}, out) : x.name);
  if (ctx.fold.activationScales) {
    return renamed(x, b.mul(x.name, b.scalar(factors.reduce((p, f) => p * f, 1)), out));
  }
  let name = x.name;
  factors.forEach((f, i) => {
    name = b.mul(name, b.scalar(f), i === factors.length - 1 ? out : undefined);
  });
  return renamed(x, name);
}

function product(factors: readonly number[]): number {
  return factors.reduce((p, f) => p * f, 1);
}

/**
 * Exact GELU, x·0.5·(1 + erf(x/√2)), in the node pattern ORT fuses into one Gelu kernel, with
 * the scaled-GELU gain (and `extraFactors`, e.g. beta) left pending for the next conv.
 */
export function scaledGelu(ctx: BackboneGraphContext, x: Feature, extraFactors: number[] = []): PendingScale {
  const { b } = ctx;
  const pending = b.scoped('gelu', () => {
    if (ctx.int8Ranges) {
      // In a QDQ graph, ORT 1.30 leaves the erf pattern unfused where its input comes from a
      // DequantizeLinear (36 of 103 GELUs, 4 elementwise passes each): its own Gelu kernel instead.
      return { ...renamed(x, b.onnxruntimeNode('Gelu', [x.name])), factors: [ctx.activationGain, ...extraFactors] };
    }
    const inner = b.div(x.name, b.scalar(SQRT2));
    const onePlusErf = b.add(b.erf(inner), b.scalar(1));
    const gelu = b.mul(b.mul(x.name, onePlusErf), b.scalar(0.5));
    return { ...renamed(x, gelu), factors: [ctx.activationGain, ...extraFactors] };
  });
  return ctx.fold.activationScales ? pending : { ...materialise(ctx, pending), factors: [] };
}

/** A feature with nothing pending. */
export function plain(x: Feature): PendingScale {
  return { ...x, factors: [] };
}

/** Weight-standardised conv with bias, TF 'same' padding, consuming the input's pending factors. */
export function wsConv(ctx: BackboneGraphContext, prefix: string, conv: ConvSpec, x: PendingScale): Feature {
  const { b } = ctx;
  const input = x.factors.length > 0 && !ctx.fold.activationScales ? materialise(ctx, x).name : x.name;
  const padding = onnxSamePadding(x.h, x.w, conv.kernel, conv.strides);
  const inputScale = ctx.fold.activationScales ? product(x.factors) : 1;
  const [kh, kw] = conv.kernel;
  const weightShape = [conv.outChannels, conv.inChannels / conv.groups, kh, kw];
  const v = readTensor(ctx, `${prefix}.weight`, weightShape);
  const gain = readTensor(ctx, `${prefix}.gain`, [conv.outChannels]);
  const ranges = ctx.int8Ranges?.get(prefix);
  const layout = layoutOf(x);
  if (ranges && !ctx.keepWs) {
    const emit = layout === 'nhwc' ? qlinearConvChannelsLast : qdqConv;
    const name = b.scoped(prefix, () =>
      emit(b, {
        prefix,
        x: input,
        kernel: standardiseConvKernel(v, gain, conv, inputScale),
        kernelShape: weightShape,
        bias: readTensor(ctx, `${prefix}.bias`, [conv.outChannels]),
        options: { kernelShape: conv.kernel, strides: conv.strides, group: conv.groups, padding: padding.padding },
        ...ranges,
      }),
    );
    ctx.observeConv?.(prefix, input, name, layout);
    return { name, h: padding.outH, w: padding.outW, layout };
  }
  const bias = b.floatTensor(`${prefix}.bias`, readTensor(ctx, `${prefix}.bias`, [conv.outChannels]), [conv.outChannels]);
  const kernel = ctx.keepWs
    ? b.scoped(prefix, () => standardiseInGraph(ctx, prefix, conv, v, gain, inputScale))
    : weightTensor(ctx, `${prefix}.kernel`, standardiseConvKernel(v, gain, conv, inputScale), weightShape);
  // ONNX's Conv is NCHW: a float conv in the channels-last path is transposed in and out.
  const name = b.scoped(prefix, () => {
    const nchw = inLayout(b, { name: input, h: x.h, w: x.w, layout }, 'nchw').name;
    const y = b.conv(nchw, kernel, bias, { kernelShape: conv.kernel, strides: conv.strides, group: conv.groups, padding: padding.padding });
    return inLayout(b, { name: y, h: padding.outH, w: padding.outW }, layout).name;
  });
  ctx.observeConv?.(prefix, input, name, layout);
  return { name, h: padding.outH, w: padding.outW, layout };
}

/** The Keras WeightStandardization computation as graph nodes over the raw v and gain. */
function standardiseInGraph(
  ctx: BackboneGraphContext,
  prefix: string,
  conv: ConvSpec,
  v: Float32Array,
  gain: Float32Array,
  inputScale: number,
): string {
  const { b } = ctx;
  const [kh, kw] = conv.kernel;
  const fanIn = (conv.inChannels / conv.groups) * kh * kw;
  const vName = b.floatTensor(`${prefix}.weight`, v, [conv.outChannels, conv.inChannels / conv.groups, kh, kw]);
  const gainName = b.floatTensor(`${prefix}.gain`, gain, [conv.outChannels]);
  const mean = b.reduceMean(vName, [1, 2, 3], true);
  const centred = b.sub(vName, mean);
  const variance = b.reduceMean(b.mul(centred, centred), [1, 2, 3], true);
  const floored = b.max(b.mul(variance, b.scalar(fanIn)), b.scalar(WS_EPSILON));
  let scale = b.mul(b.reciprocal(b.sqrt(floored)), b.reshape(gainName, [-1, 1, 1, 1]));
  if (inputScale !== 1) scale = b.mul(scale, b.scalar(inputScale));
  return b.sub(b.mul(vName, scale), b.mul(mean, scale));
}

/**
 * Squeeze-excite times the residual scale: h · (2·σ(fc1(relu(fc0(GAP(h)))))) · skip_gain · alpha.
 * The dense layers run as 1×1 convs on the N×C×1×1 pooled tensor (no reshapes).
 */
export function squeezeExcite(ctx: BackboneGraphContext, prefix: string, block: BlockSpec, x: Feature): Feature {
  const { b } = ctx;
  const o = block.outChannels;
  const hid = block.seHidden;
  const nhwc = layoutOf(x) === 'nhwc';
  const dense = (name: string, inputs: number, outputs: number, input: string): string => {
    const weight = readTensor(ctx, `${prefix}.se.${name}.weight`, [outputs, inputs]);
    const bias = b.floatTensor(`${prefix}.se.${name}.bias`, readTensor(ctx, `${prefix}.se.${name}.bias`, [outputs]), [outputs]);
    if (nhwc) {
      // On N×1×1×C: a MatMul with the (inputs, outputs) weight, then the bias.
      const transposed = new Float32Array(weight.length);
      for (let o = 0; o < outputs; o++) for (let i = 0; i < inputs; i++) transposed[i * outputs + o] = weight[o * inputs + i]!;
      return b.add(b.matMul(input, weightTensor(ctx, `${prefix}.se.${name}.weight`, transposed, [inputs, outputs])), bias);
    }
    const w = weightTensor(ctx, `${prefix}.se.${name}.weight`, weight, [outputs, inputs, 1, 1]);
    return b.conv(input, w, bias, { kernelShape: [1, 1], padding: { autoPad: 'VALID' } });
  };
  const skipGain = readTensor(ctx, `${prefix}.skip_gain`, [])[0]!;
  const h = x.name;
  const name = b.scoped(`${prefix}/se`, () => {
    const pooled = nhwc ? b.reduceMean(h, [1, 2], true) : b.globalAveragePool(h);
    const hidden = b.relu(dense('fc0', o, hid, pooled));
    const gate = b.sigmoid(dense('fc1', hid, o, hidden));
    if (ctx.fold.residualScales) {
      return b.mul(h, b.mul(gate, b.scalar(2 * skipGain * ctx.alpha)));
    }
    const excited = b.mul(h, b.mul(gate, b.scalar(2)));
    const skipGainName = b.floatTensor(`${prefix}.skip_gain`, Float32Array.of(skipGain), []);
    return b.mul(b.mul(excited, skipGainName), b.scalar(ctx.alpha));
  });
  return { ...x, name };
}

/** TF 'same' average pooling over f rows with stride f (padding excluded from the mean), in the feature's layout. */
export function frequencyAveragePool(b: OnnxGraphBuilder, x: Feature, f: number, channels: number): Feature {
  const padding = onnxSamePadding(x.h, x.w, [f, 1], [f, 1]);
  const layout = layoutOf(x);
  if (layout === 'nhwc' && x.h % f === 0) {
    // No padding when f divides the height: the mean of each group of f rows, without transposes.
    return { name: b.reduceMean(b.reshape(x.name, [0, x.h / f, f, -1, channels]), [2], false), h: padding.outH, w: padding.outW, layout };
  }
  const y = b.averagePool(inLayout(b, x, 'nchw').name, { kernelShape: [f, 1], strides: [f, 1], padding: padding.padding, countIncludePad: false });
  return inLayout(b, { name: y, h: padding.outH, w: padding.outW }, layout);
}

/** One NF block (transition or not); returns the block output (no pending factor). */
export function nfBlock(ctx: BackboneGraphContext, prefix: string, block: BlockSpec, x: Feature): Feature {
  const { b } = ctx;
  const activated = b.scoped(prefix, () => scaledGelu(ctx, x, [block.beta]));
  let skip = x;
  if (block.transition) {
    if (!block.shortcut) throw new Error(`internal: transition block ${prefix} has no shortcut conv`);
    let pooled = activated;
    if (block.freqStride > 1) {
      pooled = { ...b.scoped(`${prefix}/shortcut`, () => frequencyAveragePool(b, activated, block.freqStride, block.shortcut!.inChannels)), factors: activated.factors };
    }
    skip = wsConv(ctx, `${prefix}.shortcut`, block.shortcut, pooled);
  }
  let h: PendingScale = activated;
  const convs = ctx.hoistStrides ? hoistFrequencyStride(block.convs) : block.convs;
  convs.forEach((conv, k) => {
    const out = wsConv(ctx, `${prefix}.conv${k}`, conv, h);
    h = k < 3 ? b.scoped(`${prefix}.conv${k}`, () => scaledGelu(ctx, out)) : plain(out);
  });
  if (h.h !== skip.h || h.w !== skip.w) throw new Error(`internal: ${prefix}: residual ${h.h}×${h.w} vs skip ${skip.h}×${skip.w}`);
  const residual = squeezeExcite(ctx, prefix, block, h);
  return { ...skip, name: b.scoped(prefix, () => b.add(skip.name, residual.name)) };
}

/**
 * The residual convs with the (1,3) conv's frequency stride moved to the 1×1 conv before it, when
 * that is exact: the first conv is 1×1 with unit strides and the second has kernel height 1
 * (see the header). Otherwise the convs unchanged.
 */
export function hoistFrequencyStride(convs: readonly ConvSpec[]): ConvSpec[] {
  const [first, second, ...rest] = convs;
  if (!first || !second) return [...convs];
  const stride = second.strides[0];
  const pointwise = first.kernel[0] === 1 && first.kernel[1] === 1 && first.strides[0] === 1 && first.strides[1] === 1;
  if (stride === 1 || !pointwise || second.kernel[0] !== 1) return [...convs];
  return [{ ...first, strides: [stride, 1] }, { ...second, strides: [1, second.strides[1]] }, ...rest];
}
