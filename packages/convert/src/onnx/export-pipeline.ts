/**
 * The whole MULE pipeline in one ONNX file: `waveform` (1, n) float32 at 16 kHz in upstream's
 * amplitude convention -> `embedding` (D) and `timeline` (K, D). Any ONNX runtime embeds a
 * waveform with one run, without rebuilding the front-end or upstream's slicing quirks.
 *
 * - STFT as a strided 1-D convolution with a fixed windowed-DFT basis (ORT's STFT operator is
 *   slow and has had accuracy bugs): librosa's center=True reflect padding, and only the taps where
 *   the centred window is non-zero (400 of 2048 for MULE); power = re^2 + im^2.
 * - the librosa mel filterbank as a constant (float32, as librosa stores it), log10(m x + 1).
 * - upstream's slices: centres at every multiple of the hop inside (0, T) except the chunk starts
 *   (multiples of 8000), clamped to [lookBackward, T - lookForward]; Python slice bounds, so a
 *   2-3 s clip gives one narrower slice (width 300 - T) and a clip of 2 s or less none (K = 0: the
 *   timeline is empty and the embedding NaN, as the mean of nothing).
 * - per-slice standardisation (population std floored), the backbone, the mean over slices.
 * Everything runs in float32 (the runtime's front-end computes the STFT and mel in float64).
 */
import { BACKBONE_OUTPUT_NAME, centredHannWindow, melFilterbank, type FrontEndParams, type SfNfNetSpec } from '@mule-ts/core';
import type { Feature } from './backbone-layers.js';
import { addBackboneGraph, type BackboneOnnx, type BackboneOnnxOptions, type BackboneOnnxSummary } from './export-backbone.js';
import { OnnxGraphBuilder, attr } from './onnx-graph-builder.js';
import { writeFileAtomic } from '../output/write-file-atomic.js';

export const PIPELINE_INPUT_NAME = 'waveform';
export const PIPELINE_EMBEDDING_NAME = 'embedding';
export const PIPELINE_TIMELINE_NAME = 'timeline';

/** The windowed DFT basis over the window's support: (2 * bins, 1, support), real rows then imaginary. */
function dftBasis(nFft: number, window: Float64Array, supportStart: number, support: number): Float32Array {
  const bins = nFft / 2 + 1;
  const basis = new Float32Array(2 * bins * support);
  for (let k = 0; k < bins; k++) {
    for (let m = 0; m < support; m++) {
      const i = supportStart + m;
      const phase = (2 * Math.PI * ((k * i) % nFft)) / nFft;
      basis[k * support + m] = window[i]! * Math.cos(phase);
      basis[(bins + k) * support + m] = -window[i]! * Math.sin(phase);
    }
  }
  return basis;
}

export function buildPipelineOnnxModel(
  spec: SfNfNetSpec,
  tensor: (name: string) => Float32Array,
  frontEnd: Pick<FrontEndParams, 'melFrontEnd' | 'slicing'>,
  options: Pick<BackboneOnnxOptions, 'source' | 'producerVersion'> = {},
): BackboneOnnx {
  const mel = frontEnd.melFrontEnd;
  const sl = frontEnd.slicing;
  if (mel.power !== 2) throw new Error(`pipeline.onnx: power ${mel.power} is not supported (2 is)`);
  if (mel.padMode !== 'reflect') throw new Error(`pipeline.onnx: pad mode ${String(mel.padMode)} is not supported (reflect is)`);
  const b = new OnnxGraphBuilder('mule_pipeline');
  // int64 constants, named in the current scope (so every name is unique)
  const i64 = (hint: string, values: readonly number[], dims: readonly number[] = [values.length]): string => b.int64Tensor(b.freshName(hint), values, dims);
  const scalar64 = (hint: string, value: number): string => b.int64Tensor(b.freshName(hint), [value], []);

  const waveform = b.input(PIPELINE_INPUT_NAME, [1, 'n']);
  const fe = b.scoped('frontend', () => {
    // STFT framing: reflect-pad nFft/2 each side, keep the window's support, one strided conv.
    const window = centredHannWindow(mel.winLength, mel.nFft);
    let supportStart = 0;
    while (window[supportStart] === 0) supportStart++;
    let supportEnd = window.length;
    while (window[supportEnd - 1] === 0) supportEnd--;
    const support = supportEnd - supportStart;
    const bins = mel.nFft / 2 + 1;
    const padded = b.node('Pad', [waveform, i64('pads', [0, mel.nFft / 2, 0, mel.nFft / 2])], { mode: attr.string('reflect') });
    const supported = b.node('Slice', [padded, i64('support_start', [supportStart]), i64('support_end', [Number.MAX_SAFE_INTEGER]), i64('axis1', [1])]);
    const channel = b.node('Unsqueeze', [supported, i64('axis1_again', [1])]); // (1, 1, L)
    const basis = b.floatTensor(b.freshName('dft_basis'), dftBasis(mel.nFft, window, supportStart, support), [2 * bins, 1, support]);
    const spectrum = b.node('Conv', [channel, basis], { kernel_shape: attr.ints([support]), strides: attr.ints([mel.hopLength]) });
    // T = 1 + floor(n / hop) frames (librosa's count with center=True)
    const n = b.node('Gather', [b.node('Shape', [waveform]), scalar64('one', 1)], { axis: attr.int(0) });
    const frames = b.node('Add', [b.node('Div', [n, scalar64('hop', mel.hopLength)]), scalar64('one_again', 1)], {}, 'frames');
    const framesVector = b.node('Unsqueeze', [frames, i64('axis0', [0])]);
    const cut = (from: string, to: string) => b.node('Slice', [spectrum, from, to, i64('axis2', [2])]);
    const re = b.node('Slice', [cut(i64('frames_start', [0]), framesVector), i64('re_start', [0]), i64('re_end', [bins]), i64('axis1_re', [1])]);
    const im = b.node('Slice', [cut(i64('frames_start_im', [0]), framesVector), i64('im_start', [bins]), i64('im_end', [2 * bins]), i64('axis1_im', [1])]);
    const power = b.add(b.mul(re, re), b.mul(im, im)); // (1, bins, T)
    const filterbank = melFilterbank(mel);
    const melPower = b.matMul(b.floatTensor(b.freshName('mel_filterbank'), filterbank.weights, [filterbank.nMels, filterbank.nBins]), power); // (1, mels, T)
    const logMel = b.mul(b.node('Log', [b.add(b.mul(melPower, b.scalar(mel.compression.multiplier)), b.scalar(1))]), b.scalar(1 / Math.LN10));
    return { logMel, frames, nMels: filterbank.nMels };
  });

  const sliced = b.scoped('slices', () => {
    const sliceWidth = sl.lookBackward + sl.lookForward;
    const T = fe.frames;
    // centres: multiples of hop in (0, T), not chunk starts, clamped
    const multiples = b.node('Range', [scalar64('hop', sl.hop), T, scalar64('hop_step', sl.hop)]);
    const chunkStart = b.node('Equal', [b.node('Mod', [multiples, scalar64('chunk', sl.chunkFrames)]), scalar64('zero', 0)]);
    const kept = b.node('Compress', [multiples, b.node('Not', [chunkStart])], { axis: attr.int(0) });
    const centres = b.node('Min', [b.node('Max', [kept, scalar64('look_backward', sl.lookBackward)]), b.node('Sub', [T, scalar64('look_forward', sl.lookForward)])], {}, 'centres');
    // Python's mel[:, c - lookBackward : c + lookForward]: a negative start counts from the end
    const rawStart = b.node('Sub', [centres, scalar64('look_backward_start', sl.lookBackward)]);
    const start = b.node('Where', [b.node('Less', [rawStart, scalar64('zero_start', 0)]), b.node('Add', [rawStart, T]), rawStart]);
    // every slice is sliceWidth wide except the one of a clip with T < sliceWidth: sliceWidth - T
    const width = b.node('Where', [b.node('Less', [T, scalar64('slice_width', sliceWidth)]), b.node('Sub', [scalar64('slice_width_sub', sliceWidth), T]), scalar64('slice_width_full', sliceWidth)]);
    const offsets = b.node('Range', [scalar64('zero_range', 0), width, scalar64('one_step', 1)]);
    const index = b.add(b.node('Unsqueeze', [start, i64('axis1_start', [1])]), b.node('Unsqueeze', [offsets, i64('axis0_offsets', [0])])); // (K, W)
    const gathered = b.node('Gather', [fe.logMel, index], { axis: attr.int(2) }); // (1, mels, K, W)
    const slices = b.node('Transpose', [gathered], { perm: attr.ints([2, 0, 1, 3]) }); // (K, 1, mels, W)
    // per-slice standardisation
    const mean = b.node('ReduceMean', [slices], { axes: attr.ints([1, 2, 3]), keepdims: attr.int(1) });
    const centred = b.sub(slices, mean);
    const std = b.max(b.sqrt(b.node('ReduceMean', [b.mul(centred, centred)], { axes: attr.ints([1, 2, 3]), keepdims: attr.int(1) })), b.scalar(sl.stdFloor));
    const standardised = b.div(centred, std);
    // K = 0 (2 s or less): the backbone runs one all-zero slice instead of none, and nothing of it is kept
    const count = b.node('Gather', [b.node('Shape', [centres]), scalar64('zero_k', 0)], { axis: attr.int(0) });
    const missing = b.node('Max', [b.node('Sub', [scalar64('one_k', 1), count]), scalar64('zero_missing', 0)]);
    const padShape = b.concat([b.node('Unsqueeze', [missing, i64('axis0_missing', [0])]), i64('one_mels', [1, fe.nMels]), b.node('Unsqueeze', [width, i64('axis0_width', [0])])], 0);
    const padding = b.node('ConstantOfShape', [padShape]);
    const batch = b.concat([standardised, padding], 0);
    return { batch, count, width };
  });

  const backboneInput: Feature = { name: sliced.batch, h: spec.inputShape[0], w: null };
  const backboneOut = `backbone/${BACKBONE_OUTPUT_NAME}`;
  addBackboneGraph(b, spec, tensor, { ...(options.source ? { source: options.source } : {}) }, backboneInput, backboneOut);
  b.scoped('outputs', () => {
    const countVector = b.node('Unsqueeze', [sliced.count, i64('axis0_count', [0])]);
    const timeline = b.node('Slice', [backboneOut, i64('zero_timeline', [0]), countVector, i64('axis0_timeline', [0])], {}, PIPELINE_TIMELINE_NAME);
    const sum = b.node('ReduceSum', [timeline, i64('axis0_sum', [0])], { keepdims: attr.int(0) });
    b.node('Div', [sum, b.node('Cast', [sliced.count], { to: attr.int(1) })], {}, PIPELINE_EMBEDDING_NAME);
  });
  b.output(PIPELINE_EMBEDDING_NAME, [spec.embeddingDim]);
  b.output(PIPELINE_TIMELINE_NAME, ['K', spec.embeddingDim]);

  const encoded = b.encodeChunks({
    producerName: 'mule-ts',
    producerVersion: options.producerVersion ?? '',
    docString: 'MULE end to end: waveform (1, n) float32 at 16 kHz -> embedding (D), timeline (K, D); K = 0 for clips of 2 s or less (embedding NaN)',
    metadata: { input_convention: 'mono, int16 / 65536 with channels summed (upstream), resampled to 16 kHz with resampy kaiser_best' },
  });
  return { encoded, nodeCount: b.nodeCount, initializerCount: b.initializerCount };
}

/** Builds pipeline.onnx and writes it atomically (streaming the weights). */
export async function writePipelineOnnx(
  file: string,
  spec: SfNfNetSpec,
  tensor: (name: string) => Float32Array,
  frontEnd: Pick<FrontEndParams, 'melFrontEnd' | 'slicing'>,
  options: Pick<BackboneOnnxOptions, 'source' | 'producerVersion'> = {},
): Promise<BackboneOnnxSummary> {
  const { encoded, nodeCount, initializerCount } = buildPipelineOnnxModel(spec, tensor, frontEnd, options);
  const { sha256 } = await writeFileAtomic(file, encoded.chunks);
  return { byteLength: encoded.byteLength, sha256, nodeCount, initializerCount };
}
