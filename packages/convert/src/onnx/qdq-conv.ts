/**
 * A Conv in ONNX's QDQ form, which onnxruntime fuses into its integer kernels (QLinearConv, with
 * VNNI on x86): the input and output pass through QuantizeLinear/DequantizeLinear with uint8
 * activations (asymmetric, scale and zero point from a calibrated range), the kernel is stored as
 * per-output-channel symmetric int8 behind a DequantizeLinear, and the bias as int32 at the scale
 * input scale x weight scale. uint8 activations, not int8: with int8 activations ORT 1.30 fused
 * only a third of the backbone's convs (the grouped and most 1x1 ones stayed float).
 */
import { attr, convAttributes, type ConvOptions, type OnnxGraphBuilder } from './onnx-graph-builder.js';

/** A calibrated range of values of a tensor (min <= 0 <= max after widening). */
export interface ActivationRange {
  min: number;
  max: number;
}

export interface Uint8Quantization {
  scale: number;
  zeroPoint: number;
}

/** uint8 asymmetric parameters covering [min, max] widened to include 0 (so 0 is exact). */
export function uint8Quantization(range: ActivationRange): Uint8Quantization {
  const min = Math.min(0, range.min);
  const max = Math.max(0, range.max);
  const scale = max > min ? Math.fround((max - min) / 255) : 1;
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-min / scale)));
  return { scale, zeroPoint };
}

/** Per-output-channel symmetric int8: scale = max |w| / 127 for each of the `outChannels` rows. */
export function quantizeKernelPerChannel(kernel: Float32Array, outChannels: number): { values: Int8Array; scales: Float32Array } {
  const per = kernel.length / outChannels;
  const values = new Int8Array(kernel.length);
  const scales = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    let peak = 0;
    for (let i = o * per; i < (o + 1) * per; i++) peak = Math.max(peak, Math.abs(kernel[i]!));
    const scale = Math.fround(peak > 0 ? peak / 127 : 1);
    scales[o] = scale;
    for (let i = o * per; i < (o + 1) * per; i++) values[i] = Math.max(-127, Math.min(127, Math.round(kernel[i]! / scale)));
  }
  return { values, scales };
}

/** The scale and zero-point initializers of uint8 parameters, named `${name}.scale` and `${name}.zero_point`. */
function uint8Parameters(b: OnnxGraphBuilder, name: string, q: Uint8Quantization): [scale: string, zeroPoint: string] {
  return [b.floatTensor(`${name}.scale`, Float32Array.of(q.scale), []), b.intTensor(`${name}.zero_point`, Uint8Array.of(q.zeroPoint), [])];
}

/** x -> QuantizeLinear -> DequantizeLinear with uint8 parameters; returns the dequantized value. */
export function fakeQuantizeUint8(b: OnnxGraphBuilder, x: string, q: Uint8Quantization, name: string): string {
  const [scale, zeroPoint] = uint8Parameters(b, name, q);
  const quantized = b.node('QuantizeLinear', [x, scale, zeroPoint], {}, `${name}.q`);
  return b.node('DequantizeLinear', [quantized, scale, zeroPoint], {}, `${name}.dq`);
}

export interface QdqConvInput {
  prefix: string;
  x: string;
  kernel: Float32Array;
  kernelShape: readonly number[];
  bias: Float32Array;
  options: ConvOptions;
  input: ActivationRange;
  output: ActivationRange;
}

/** The kernel as per-channel int8 and the bias as int32 at input scale x weight scale. */
function quantizedWeights(c: QdqConvInput, inputQ: Uint8Quantization): { values: Int8Array; scales: Float32Array; biasValues: Int32Array; biasScales: Float32Array } {
  const { values, scales } = quantizeKernelPerChannel(c.kernel, c.kernelShape[0]!);
  const biasScales = Float32Array.from(scales, (s) => Math.fround(s * inputQ.scale));
  const biasValues = Int32Array.from(c.bias, (v, o) => Math.round(v / biasScales[o]!));
  return { values, scales, biasValues, biasScales };
}

/** Emits the QDQ Conv; returns the (dequantized) float output. */
export function qdqConv(b: OnnxGraphBuilder, c: QdqConvInput): string {
  const outChannels = c.kernelShape[0]!;
  const inputQ = uint8Quantization(c.input);
  const x = fakeQuantizeUint8(b, c.x, inputQ, `${c.prefix}.input`);
  const { values, scales, biasValues, biasScales } = quantizedWeights(c, inputQ);
  const weight = b.node(
    'DequantizeLinear',
    [b.intTensor(`${c.prefix}.kernel.int8`, values, c.kernelShape), b.floatTensor(`${c.prefix}.kernel.scale`, scales, [outChannels]), b.intTensor(`${c.prefix}.kernel.zero_point`, new Int8Array(outChannels), [outChannels])],
    { axis: { kind: 'int', value: 0 } },
    `${c.prefix}.kernel.dq`,
  );
  const bias = b.node(
    'DequantizeLinear',
    [b.intTensor(`${c.prefix}.bias.int32`, biasValues, [outChannels]), b.floatTensor(`${c.prefix}.bias.scale`, biasScales, [outChannels]), b.intTensor(`${c.prefix}.bias.zero_point`, new Int32Array(outChannels), [outChannels])],
    { axis: { kind: 'int', value: 0 } },
    `${c.prefix}.bias.dq`,
  );
  const y = b.conv(x, weight, bias, c.options);
  return fakeQuantizeUint8(b, y, uint8Quantization(c.output), `${c.prefix}.output`);
}

/**
 * The same quantized conv on an NHWC input, as onnxruntime's own QLinearConv with channels_last
 * (com.microsoft): the feature map stays NHWC between convs, where the QDQ form on NCHW left ORT
 * transposing activations around every conv it fused (13% of the int8 backbone's time). Same
 * quantized values as `qdqConv`; returns the (dequantized) float NHWC output.
 */
export function qlinearConvChannelsLast(b: OnnxGraphBuilder, c: QdqConvInput): string {
  const outChannels = c.kernelShape[0]!;
  const inputQ = uint8Quantization(c.input);
  const outputQ = uint8Quantization(c.output);
  const { values, scales, biasValues } = quantizedWeights(c, inputQ);
  const [xScale, xZero] = uint8Parameters(b, `${c.prefix}.input`, inputQ);
  const [yScale, yZero] = uint8Parameters(b, `${c.prefix}.output`, outputQ);
  const x = b.node('QuantizeLinear', [c.x, xScale, xZero], {}, `${c.prefix}.input.q`);
  const y = b.onnxruntimeNode(
    'QLinearConv',
    [
      x,
      xScale,
      xZero,
      b.intTensor(`${c.prefix}.kernel.int8`, values, c.kernelShape),
      b.floatTensor(`${c.prefix}.kernel.scale`, scales, [outChannels]),
      b.intTensor(`${c.prefix}.kernel.zero_point`, new Int8Array(outChannels), [outChannels]),
      yScale,
      yZero,
      b.intTensor(`${c.prefix}.bias.int32`, biasValues, [outChannels]),
    ],
    { ...convAttributes(c.options), channels_last: attr.int(1) },
  );
  return b.node('DequantizeLinear', [y, yScale, yZero], {}, `${c.prefix}.output.dq`);
}
