/**
 * Single-operator models built with the builder, run by onnxruntime-node, against direct float64
 * loops written here from TensorFlow's rules (never against our own earlier output).
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { OnnxGraphBuilder, ONNX_IR_VERSION, ONNX_OPSET, type Padding } from './onnx-graph-builder.js';
import { mulberry32 } from '@mule-ts/test-utils';
import { decodeModelProto, int64ToNumber } from './onnx-proto.js';
import { tfSamePadding2d } from './tf-same-padding.js';

/** Seeded floats in [-1, 1). */
function seededValues(seed: number, count: number): Float32Array {
  const uniform = mulberry32(seed);
  return Float32Array.from({ length: count }, () => uniform() * 2 - 1);
}

async function runSingleOutput(bytes: Uint8Array, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) inputs[k] = new ort.Tensor('float32', v.data, v.dims);
    const result = await session.run(inputs);
    const out = result[session.outputNames[0]!]!;
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

/** TensorFlow 'same': out = ceil(in/s), total pad = max((out-1)·s + k - in, 0), before = total // 2. */
function tfSame(size: number, kernel: number, stride: number, extraBefore = false): { out: number; before: number } {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return { out, before: extraBefore ? Math.ceil(total / 2) : Math.floor(total / 2) };
}

interface Conv2dCase {
  n: number;
  cin: number;
  cout: number;
  h: number;
  w: number;
  kernel: [number, number];
  strides: [number, number];
  groups: number;
}

/** Direct float64 NCHW grouped conv with TF 'same' padding (or the extra pad before, to prove the test can tell). */
function referenceConv(c: Conv2dCase, x: Float32Array, weight: Float32Array, bias: Float32Array, extraBefore = false): { data: Float64Array; dims: number[] } {
  const ph = tfSame(c.h, c.kernel[0], c.strides[0], extraBefore);
  const pw = tfSame(c.w, c.kernel[1], c.strides[1], extraBefore);
  const cinPerGroup = c.cin / c.groups;
  const coutPerGroup = c.cout / c.groups;
  const out = new Float64Array(c.n * c.cout * ph.out * pw.out);
  for (let n = 0; n < c.n; n++) {
    for (let o = 0; o < c.cout; o++) {
      const g = Math.floor(o / coutPerGroup);
      for (let oy = 0; oy < ph.out; oy++) {
        for (let ox = 0; ox < pw.out; ox++) {
          let sum = bias[o]!;
          for (let ci = 0; ci < cinPerGroup; ci++) {
            for (let ky = 0; ky < c.kernel[0]; ky++) {
              const y = oy * c.strides[0] - ph.before + ky;
              if (y < 0 || y >= c.h) continue;
              for (let kx = 0; kx < c.kernel[1]; kx++) {
                const xx = ox * c.strides[1] - pw.before + kx;
                if (xx < 0 || xx >= c.w) continue;
                const xv = x[((n * c.cin + g * cinPerGroup + ci) * c.h + y) * c.w + xx]!;
                const wv = weight[((o * cinPerGroup + ci) * c.kernel[0] + ky) * c.kernel[1] + kx]!;
                sum += xv * wv;
              }
            }
          }
          out[((n * c.cout + o) * ph.out + oy) * pw.out + ox] = sum;
        }
      }
    }
  }
  return { data: out, dims: [c.n, c.cout, ph.out, pw.out] };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

type PaddingMode = 'explicit TF pads' | 'SAME_UPPER';

/** Runs the conv in ORT; returns max |ORT - float64 TF rule| and how far the extra-pad-before variant is from TF. */
async function convError(c: Conv2dCase, seed: number, mode: PaddingMode): Promise<{ err: number; asymmetricGap: number }> {
  const x = seededValues(seed, c.n * c.cin * c.h * c.w);
  const weight = seededValues(seed + 1, c.cout * (c.cin / c.groups) * c.kernel[0] * c.kernel[1]);
  const bias = seededValues(seed + 2, c.cout);
  const b = new OnnxGraphBuilder('conv');
  const input = b.input('x', ['N', c.cin, c.h, c.w]);
  const w = b.floatTensor('w', weight, [c.cout, c.cin / c.groups, c.kernel[0], c.kernel[1]]);
  const bb = b.floatTensor('b', bias, [c.cout]);
  const padding: Padding = mode === 'SAME_UPPER' ? { autoPad: 'SAME_UPPER' } : { pads: tfSamePadding2d(c.h, c.w, c.kernel, c.strides).pads };
  b.output(b.conv(input, w, bb, { kernelShape: c.kernel, strides: c.strides, group: c.groups, padding }, 'y'), ['N', c.cout, '?', '?']);
  const got = await runSingleOutput(b.encode(), { x: { data: x, dims: [c.n, c.cin, c.h, c.w] } });
  const want = referenceConv(c, x, weight, bias);
  expect([...got.dims]).toEqual(want.dims);
  const err = maxAbsDiff(got.data, want.data);
  const asymmetricGap = maxAbsDiff(referenceConv(c, x, weight, bias, true).data, want.data);
  console.log(`${mode}: conv k=${c.kernel} s=${c.strides} in=${c.h}x${c.w} g=${c.groups}: max |ORT - float64 TF rule| = ${err.toExponential(2)}; extra-pad-before differs by ${asymmetricGap.toFixed(3)}`);
  return { err, asymmetricGap };
}

/** Checks ORT against TF's rule; `asymmetric` says whether TF pads unevenly here (so the test can tell before from after). */
async function checkConv(c: Conv2dCase, seed: number, asymmetric: boolean, mode: PaddingMode = 'explicit TF pads'): Promise<void> {
  const { err, asymmetricGap } = await convError(c, seed, mode);
  expect(err).toBeLessThan(1e-5);
  if (asymmetric) expect(asymmetricGap).toBeGreaterThan(1e-2);
  else expect(asymmetricGap).toBe(0);
}

// Odd sizes: a 3-tap stride-2 kernel pads 1 + 1; a 4-tap one pads 1 before, 2 after.
const STRIDE_2_CASES: Conv2dCase[] = [
  { n: 2, cin: 3, cout: 4, h: 13, w: 11, kernel: [4, 3], strides: [2, 2], groups: 1 },
  { n: 1, cin: 2, cout: 3, h: 9, w: 7, kernel: [4, 2], strides: [2, 2], groups: 1 },
];

describe('OnnxGraphBuilder single-layer models in onnxruntime', () => {
  it("Conv with explicit TF pads is TensorFlow 'same': stride 2 on odd sizes", async () => {
    for (const [i, c] of STRIDE_2_CASES.entries()) await checkConv(c, 10 * (i + 1), true);
  });

  it("Conv with explicit TF pads is TensorFlow 'same': stride 8 (the slow stem on 300 frames) and the fusion's (1,7) stride 4", async () => {
    // the slow stem's first conv: 96 bins -> pad 0 before, 1 after; 300 frames, k 1 < s 8 -> no pad at all
    await checkConv({ n: 1, cin: 1, cout: 2, h: 96, w: 300, kernel: [3, 1], strides: [2, 8], groups: 1 }, 30, true);
    // 45 frames, k 9, s 8: out 6, total pad 5·8 + 9 - 45 = 4 -> 2 + 2; 11 bins, k 3, s 2 -> 1 + 1
    await checkConv({ n: 1, cin: 2, cout: 2, h: 11, w: 45, kernel: [3, 9], strides: [2, 8], groups: 1 }, 35, false);
    // 43 frames, k 10, s 8: total pad 5·8 + 10 - 43 = 7 -> 3 before, 4 after
    await checkConv({ n: 1, cin: 1, cout: 2, h: 5, w: 43, kernel: [1, 10], strides: [1, 8], groups: 1 }, 37, true);
    // 74 frames: out 19, total pad 18·4 + 7 - 74 = 5 -> 2 before, 3 after
    await checkConv({ n: 2, cin: 3, cout: 2, h: 3, w: 74, kernel: [1, 7], strides: [1, 4], groups: 1 }, 40, true);
  });

  it("ONNX auto_pad SAME_UPPER equals TF 'same' when kernel >= stride, and not when kernel < stride", async () => {
    for (const [i, c] of STRIDE_2_CASES.entries()) await checkConv(c, 10 * (i + 1), true, 'SAME_UPPER');
    await checkConv({ n: 1, cin: 1, cout: 2, h: 5, w: 43, kernel: [1, 10], strides: [1, 8], groups: 1 }, 37, true, 'SAME_UPPER');
    await checkConv({ n: 2, cin: 3, cout: 2, h: 3, w: 74, kernel: [1, 7], strides: [1, 4], groups: 1 }, 40, true, 'SAME_UPPER');
    // The slow stem: ONNX's total pad (38-1)·8 + 1 - 300 = -3 is not clamped at 0; ORT starts at frame 1, TF at 0.
    const { err } = await convError({ n: 1, cin: 1, cout: 2, h: 96, w: 300, kernel: [3, 1], strides: [2, 8], groups: 1 }, 30, 'SAME_UPPER');
    expect(err).toBeGreaterThan(1e-2);
  });

  it('grouped Conv (the (1,3) and (3,1) block convs) matches a direct grouped loop', async () => {
    // stride-1 odd kernels pad symmetrically; (1,3) stride (2,1) on an even height: k 1 < s 2, no pad
    await checkConv({ n: 2, cin: 6, cout: 6, h: 8, w: 5, kernel: [1, 3], strides: [2, 1], groups: 3 }, 50, false);
    await checkConv({ n: 1, cin: 4, cout: 8, h: 6, w: 5, kernel: [3, 1], strides: [1, 1], groups: 2 }, 60, false);
    await checkConv({ n: 1, cin: 4, cout: 4, h: 9, w: 4, kernel: [2, 3], strides: [2, 1], groups: 2 }, 70, true);
  });

  it("AveragePool 'same' (f,1) stride (f,1) excludes the padding at the border (hand-computed)", async () => {
    const b = new OnnxGraphBuilder('pool');
    const x = b.input('x', [1, 1, 5, 2]);
    const { pads } = tfSamePadding2d(5, 2, [2, 1], [2, 1]);
    expect(pads).toEqual([0, 0, 1, 0]);
    b.output(b.averagePool(x, { kernelShape: [2, 1], strides: [2, 1], padding: { pads }, countIncludePad: false }, 'y'), [1, 1, 3, 2]);
    // rows 1..5 in column 0, 10..50 in column 1; out rows: mean(r0,r1), mean(r2,r3), mean(r4) (pad after, excluded)
    const data = Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40, 5, 50]);
    const got = await runSingleOutput(b.encode(), { x: { data, dims: [1, 1, 5, 2] } });
    expect([...got.dims]).toEqual([1, 1, 3, 2]);
    expect(Array.from(got.data)).toEqual([1.5, 15, 3.5, 35, 5, 50]);
  });

  it('Gemm, Concat, Flatten, Reshape and MatMul give hand-computed values', async () => {
    const b = new OnnxGraphBuilder('misc');
    const x = b.input('x', ['N', 2, 1, 1]);
    const flat = b.flatten(x, 1); // [N, 2]
    const w = b.floatTensor('w', Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]); // [out, in]
    const c = b.floatTensor('c', Float32Array.from([0.5, -0.5, 1]), [3]);
    const dense = b.gemm(flat, w, c, { transB: true }); // [N, 3]
    const cat = b.concat([dense, flat], 1); // [N, 5]
    const m = b.floatTensor('m', Float32Array.from([1, 1, 1, 1, 1]), [5, 1]);
    const summed = b.matMul(cat, m); // [N, 1]
    b.output(b.reshape(summed, [-1]), ['N']);
    const got = await runSingleOutput(b.encode(), { x: { data: Float32Array.from([1, 2, -1, 0]), dims: [2, 2, 1, 1] } });
    // row [1, 2]: dense = [1+4+0.5, 3+8-0.5, 5+12+1] = [5.5, 10.5, 18]; + 1 + 2 -> 37
    // row [-1, 0]: dense = [-1+0.5, -3-0.5, -5+1] = [-0.5, -3.5, -4]; - 1 + 0 -> -9
    expect(Array.from(got.data)).toEqual([37, -9]);
  });

  it('writes IR 8 / opset 17 with a symbolic batch dimension, and one shared scalar per value', () => {
    const b = new OnnxGraphBuilder('meta');
    const x = b.input('x', ['N', 3]);
    const y = b.mul(b.mul(x, b.scalar(0.5)), b.scalar(0.5), 'y');
    b.output(y, ['N', 3]);
    const model = decodeModelProto(b.encode({ metadata: { k: 'v' } }));
    expect(int64ToNumber(model.irVersion)).toBe(ONNX_IR_VERSION);
    expect(model.opsetImport.map((o) => int64ToNumber(o.version))).toEqual([ONNX_OPSET]);
    expect(model.graph.input[0]!.type.tensorType.shape.dim[0]!.dimParam).toBe('N');
    expect(int64ToNumber(model.graph.input[0]!.type.tensorType.shape.dim[1]!.dimValue)).toBe(3);
    expect(model.graph.initializer).toHaveLength(1);
    expect(model.metadataProps).toEqual([{ key: 'k', value: 'v' }]);
    expect(() => b.add(x, 'undefined-value')).toThrow(/nothing defines/);
  });

  it('float16 weights: a FLOAT16 initializer of half the bytes, rounded to nearest even, cast to float32 in the graph', async () => {
    const b = new OnnxGraphBuilder('half');
    const x = b.input('x', ['N', 4]);
    // 1/3 -> 0x3555 = 0.333251953125; 1 + 2^-11 is a tie between 1 and 1 + 2^-10: even -> 1;
    // 65520 rounds past the largest half (65504) -> Infinity; 1e-8 is below the smallest subnormal -> 0.
    const weights = Float32Array.of(1 / 3, 1 + 2 ** -11, 65520, 1e-8);
    const w = b.float16Weights('w', weights, [4]);
    b.output(b.mul(x, w, 'y'), ['N', 4]);
    const bytes = b.encode();
    const model = decodeModelProto(bytes);
    expect(model.graph.initializer.map((t) => [t.name, t.dataType, t.rawData?.length])).toEqual([['w.f16', 10, 8]]);
    expect(model.graph.node.map((n) => n.opType)).toEqual(['Cast', 'Mul']);
    const got = await runSingleOutput(bytes, { x: { data: Float32Array.of(1, 1, 1, 1), dims: [1, 4] } });
    expect(Array.from(got.data)).toEqual([0.333251953125, 1, Number.POSITIVE_INFINITY, 0]);
  });
});
