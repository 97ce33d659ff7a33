import type { Padding } from './onnx-graph-builder.js';
/**
 * TensorFlow's 'same' padding along one axis: out = ceil(in/s), total = max((out-1)·s + k - in, 0),
 * before = total // 2, the odd one after.
 *
 * Why explicit pads and not ONNX `auto_pad = SAME_UPPER`: ONNX (and onnxruntime) compute the
 * total without the max(·, 0). When k < s it can be negative, and ORT then starts the first
 * window inside the input: the slow stem's (3,1) stride (2,8) conv on 300 frames gets total -3,
 * a head pad of -1, and reads frames 1, 9, 17, ... where TensorFlow reads 0, 8, 16, ...
 * SAME_UPPER equals TF only when k >= s on every axis (total >= k - s >= 0).
 */
export interface AxisPadding {
  out: number;
  before: number;
  after: number;
}

export function tfSamePadding(size: number, kernel: number, stride: number): AxisPadding {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

export interface SamePadding2d {
  outH: number;
  outW: number;
  /** ONNX order: [top, left, bottom, right]. */
  pads: [number, number, number, number];
}

export function tfSamePadding2d(h: number, w: number, kernel: readonly [number, number], strides: readonly [number, number]): SamePadding2d {
  const ph = tfSamePadding(h, kernel[0], strides[0]);
  const pw = tfSamePadding(w, kernel[1], strides[1]);
  return { outH: ph.out, outW: pw.out, pads: [ph.before, pw.before, ph.after, pw.after] };
}

export interface OnnxSamePadding {
  padding: Padding;
  outH: number;
  /** null when the width is dynamic. */
  outW: number | null;
}

/**
 * The ONNX padding that reproduces TF 'same' for a conv or pool over a fixed height `h` and a
 * width `w` that is known (explicit pads) or dynamic (null). With a dynamic width:
 * - `auto_pad = SAME_UPPER` when k >= s on both axes (then ONNX's rule equals TF's);
 * - explicit pads when the width padding does not depend on the width: stride 1 along the width
 *   (total k - 1) or kernel width 1 (total 0), with the height padding computed from `h`
 *   (the height is always known: 96 mel bins in, fixed strides);
 * - otherwise the layer cannot be exported with a dynamic width, and this throws.
 */
export function onnxSamePadding(h: number, w: number | null, kernel: readonly [number, number], strides: readonly [number, number]): OnnxSamePadding {
  if (w !== null) {
    const p = tfSamePadding2d(h, w, kernel, strides);
    return { padding: { pads: p.pads }, outH: p.outH, outW: p.outW };
  }
  const [kh, kw] = kernel;
  const [sh, sw] = strides;
  const ph = tfSamePadding(h, kh, sh);
  if (kh >= sh && kw >= sw) return { padding: { autoPad: 'SAME_UPPER' }, outH: ph.out, outW: null };
  if (sw === 1 || kw === 1) {
    const totalW = sw === 1 ? kw - 1 : 0;
    const left = Math.floor(totalW / 2);
    return { padding: { pads: [ph.before, left, ph.after, totalW - left] }, outH: ph.out, outW: null };
  }
  throw new Error(`kernel ${kh}x${kw} with strides ${sh}x${sw}: TF 'same' padding depends on the width, which is dynamic`);
}
