/**
 * The backbone's subgraphs (scaled GELU, squeeze-excite, weight-standardised conv) as small ONNX
 * models in onnxruntime, against hand-computed values and direct float64 loops.
 */
import { SCALED_ACTIVATION_GAIN, type BlockSpec, type ConvSpec } from '@mule-ts/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { frequencyAveragePool, hoistFrequencyStride, inLayout, materialise, scaledGelu, squeezeExcite, wsConv, type BackboneGraphContext, type ScaleFolding } from './backbone-layers.js';
import { OnnxGraphBuilder } from './onnx-graph-builder.js';

const GAIN = 1.7015043497085571;
const FOLDINGS: ScaleFolding[] = [
  { activationScales: true, residualScales: true },
  { activationScales: false, residualScales: false },
];

function makeContext(fold: ScaleFolding, tensors: Record<string, Float32Array> = {}, keepWs = false): BackboneGraphContext {
  return {
    b: new OnnxGraphBuilder('layer'),
    tensor: (name) => {
      const t = tensors[name];
      if (!t) throw new Error(`no tensor ${name}`);
      return t;
    },
    source: 'test-checkpoint',
    keepWs,
    fold,
    hoistStrides: true,
    activationGain: GAIN,
    alpha: 0.2,
    weights: 'float32',
  };
}

async function run(bytes: Uint8Array, data: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const result = await session.run({ x: new ort.Tensor('float32', data, dims) });
    return result[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('scaled GELU', () => {
  // erf(t/√2) for t = 0.5, 1, 2, 3: the standard normal's P(|Z| < t) (textbook values).
  const ERF_OF_T_OVER_SQRT2: Record<string, number> = {
    '0.5': 0.3829249225480262,
    '1': 0.6826894921370859,
    '2': 0.9544997361036416,
    '3': 0.9973002039367398,
  };
  const points = [-3, -2, -1, -0.5, 0, 0.5, 1, 2, 3];
  const expected = points.map((x) => {
    const e = x === 0 ? 0 : Math.sign(x) * ERF_OF_T_OVER_SQRT2[String(Math.abs(x))]!;
    return GAIN * 0.5 * x * (1 + e);
  });

  for (const fold of FOLDINGS) {
    it(`is gelu_exact(x) × ${GAIN} at fixed points (fold ${fold.activationScales})`, async () => {
      expect(SCALED_ACTIVATION_GAIN.gelu).toBe(GAIN);
      const ctx = makeContext(fold);
      const x = { name: ctx.b.input('x', [points.length]), h: 1, w: 1 };
      ctx.b.output(materialise(ctx, scaledGelu(ctx, x), 'y').name, [points.length]);
      const got = await run(ctx.b.encode(), Float32Array.from(points), [points.length]);
      got.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(2e-7 * Math.max(1, Math.abs(expected[i]!))));
    });
  }

  it('leaves gain × beta pending for the next conv when folding', () => {
    const ctx = makeContext(FOLDINGS[0]!);
    const x = { name: ctx.b.input('x', [1]), h: 1, w: 1 };
    expect(scaledGelu(ctx, x, [0.75]).factors).toEqual([GAIN, 0.75]);
    const unfolded = makeContext(FOLDINGS[1]!);
    expect(scaledGelu(unfolded, { name: unfolded.b.input('x', [1]), h: 1, w: 1 }, [0.75]).factors).toEqual([]);
  });
});

describe('squeeze-excite with the residual scale', () => {
  const block = { outChannels: 4, seHidden: 2 } as BlockSpec;
  const fc0w = Float32Array.from([0.5, -1, 0.25, 2, -0.5, 1, 1.5, -2]); // [2, 4]
  const fc0b = Float32Array.from([0.1, -0.2]);
  const fc1w = Float32Array.from([1, -1, 0.5, 0.5, -2, 1, 0, 3]); // [4, 2]
  const fc1b = Float32Array.from([0, 0.5, -0.5, 1]);
  const skipGain = 0.7;
  const tensors = {
    'blk.se.fc0.weight': fc0w,
    'blk.se.fc0.bias': fc0b,
    'blk.se.fc1.weight': fc1w,
    'blk.se.fc1.bias': fc1b,
    'blk.skip_gain': Float32Array.of(skipGain),
  };
  const dims = [2, 4, 2, 3];
  const h = Float32Array.from({ length: 48 }, (_, i) => Math.sin(i * 1.3) * 2);

  /** h · 2σ(W1·relu(W0·mean_hw(h) + b0) + b1) · skip_gain · alpha, in float64. */
  function reference(): Float64Array {
    const out = new Float64Array(h.length);
    for (let n = 0; n < 2; n++) {
      const pooled = [0, 1, 2, 3].map((c) => {
        let s = 0;
        for (let i = 0; i < 6; i++) s += h[(n * 4 + c) * 6 + i]!;
        return s / 6;
      });
      const hidden = [0, 1].map((j) => Math.max(0, fc0b[j]! + pooled.reduce((s, p, c) => s + fc0w[j * 4 + c]! * p, 0)));
      const gate = [0, 1, 2, 3].map((c) => 1 / (1 + Math.exp(-(fc1b[c]! + hidden.reduce((s, v, j) => s + fc1w[c * 2 + j]! * v, 0)))));
      for (let c = 0; c < 4; c++) {
        for (let i = 0; i < 6; i++) {
          const k = (n * 4 + c) * 6 + i;
          out[k] = h[k]! * 2 * gate[c]! * skipGain * 0.2;
        }
      }
    }
    return out;
  }

  for (const fold of FOLDINGS) {
    it(`matches a float64 evaluation on a 2×4×2×3 tensor (fold ${fold.residualScales})`, async () => {
      const ctx = makeContext(fold, tensors);
      const x = { name: ctx.b.input('x', dims), h: 2, w: 3 };
      ctx.b.output(squeezeExcite(ctx, 'blk', block, x).name, dims);
      const got = await run(ctx.b.encode(), h, dims);
      const want = reference();
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-6);
    });
  }
});

describe('weight-standardised conv', () => {
  const conv: ConvSpec = { inChannels: 4, outChannels: 2, kernel: [1, 3], strides: [1, 1], groups: 2 };
  // OIHW [2, 2, 1, 3]
  const v = Float32Array.from([1, 2, 3, 4, 5, 6, /* channel 1: */ -1, 0.5, 2, 0, 3, -2.5]);
  const gain = Float32Array.from([2, 0.5]);
  const bias = Float32Array.from([0.25, -1]);
  const tensors = { 'c.weight': v, 'c.gain': gain, 'c.bias': bias };

  /** The standardised kernel by the upstream formula, in float64, times the pending input factor. */
  function standardised(k: number): number[] {
    const out: number[] = [];
    for (let o = 0; o < 2; o++) {
      const w = Array.from(v.subarray(o * 6, o * 6 + 6));
      const mean = w.reduce((a, b) => a + b, 0) / 6;
      const variance = w.reduce((a, b) => a + (b - mean) ** 2, 0) / 6;
      const scale = gain[o]! / Math.sqrt(Math.max(variance * 6, 1e-4));
      out.push(...w.map((x) => (x * scale - mean * scale) * k));
    }
    return out;
  }

  for (const keepWs of [false, true]) {
    it(`folds a pending input factor into the kernel exactly (keepWs ${keepWs})`, async () => {
      const ctx = makeContext(FOLDINGS[0]!, tensors, keepWs);
      const x = ctx.b.input('x', [1, 4, 1, 3]);
      const y = wsConv(ctx, 'c', conv, { name: x, h: 1, w: 3, factors: [GAIN, 0.5] });
      expect([y.h, y.w]).toEqual([1, 3]);
      ctx.b.output(y.name, [1, 2, 1, 3]);
      const input = Float32Array.from([1, -1, 2, 0.5, 0, 1, -2, 1, 3, 1, 1, 1]);
      const got = await run(ctx.b.encode(), input, [1, 4, 1, 3]);
      const k = standardised(GAIN * 0.5);
      // output (o, x) = bias + Σ_ci Σ_t w[o, ci, t] · input[group(o)·2 + ci, x + t - 1] (zero outside)
      for (let o = 0; o < 2; o++) {
        for (let px = 0; px < 3; px++) {
          let want = bias[o]!;
          for (let ci = 0; ci < 2; ci++) {
            for (let t = 0; t < 3; t++) {
              const ix = px + t - 1;
              if (ix >= 0 && ix < 3) want += k[(o * 2 + ci) * 3 + t]! * input[(o * 2 + ci) * 3 + ix]!;
            }
          }
          expect(got[o * 3 + px]).toBeCloseTo(want, 5);
        }
      }
    });
  }

  it('names the checkpoint and the tensor when a tensor has the wrong size', () => {
    const ctx = makeContext(FOLDINGS[0]!, { ...tensors, 'c.gain': Float32Array.of(1, 2, 3) });
    const x = ctx.b.input('x', [1, 4, 1, 3]);
    expect(() => wsConv(ctx, 'c', conv, { name: x, h: 1, w: 3, factors: [] })).toThrow(/test-checkpoint: tensor 'c\.gain' holds 3 values, expected shape \[2\]/);
  });
});

describe('frequency average pooling (transition shortcut)', () => {
  // TF 'same' with kernel = stride = f: out = ceil(h / f) rows, the last group shorter when f does not
  // divide h, and its mean over the rows that exist (padding excluded).
  function expectedPool(x: Float64Array, h: number, w: number, c: number, f: number): Float64Array {
    const outH = Math.ceil(h / f);
    const before = Math.floor((outH * f - h) / 2);
    const out = new Float64Array(outH * w * c);
    for (let o = 0; o < outH; o++) {
      const rows = [];
      for (let r = o * f - before; r < o * f - before + f; r++) if (r >= 0 && r < h) rows.push(r);
      for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) out[(o * w + j) * c + k] = rows.reduce((s, r) => s + x[(r * w + j) * c + k]!, 0) / rows.length;
    }
    return out;
  }
  for (const [layout, h] of [['nhwc', 6], ['nhwc', 5], ['nchw', 6], ['nchw', 5]] as const) {
    it(`averages f rows in ${layout} with h = ${h}`, async () => {
      const [w, c, f] = [3, 4, 2];
      const nhwc = Float64Array.from({ length: h * w * c }, (_, i) => Math.sin(i * 0.7) * 3);
      const b = new OnnxGraphBuilder('pool');
      const dims = layout === 'nhwc' ? [1, h, w, c] : [1, c, h, w];
      const x = b.input('x', dims);
      const y = frequencyAveragePool(b, { name: x, h, w: null, layout }, f, c);
      b.output(inLayout(b, y, 'nhwc').name, [1, y.h, w, c]);
      const data = new Float32Array(h * w * c);
      for (let r = 0; r < h; r++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) data[layout === 'nhwc' ? (r * w + j) * c + k : (k * h + r) * w + j] = nhwc[(r * w + j) * c + k]!;
      const got = await run(b.encode(), data, dims);
      const want = expectedPool(Float64Array.from(nhwc, Math.fround), h, w, c, f);
      expect(y.h).toBe(Math.ceil(h / f));
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 5);
    });
  }
});

describe('stride hoisting', () => {
  const conv = (kernel: [number, number], strides: [number, number], groups = 1): ConvSpec => ({ inChannels: 8, outChannels: 8, kernel, strides, groups });

  it("moves a (1,3) conv's frequency stride to the 1×1 conv before it", () => {
    const convs = [conv([1, 1], [1, 1]), conv([1, 3], [2, 1], 2), conv([3, 1], [1, 1], 2), conv([1, 1], [1, 1])];
    const hoisted = hoistFrequencyStride(convs);
    expect(hoisted.map((c) => c.strides)).toEqual([
      [2, 1],
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
    expect(hoisted.map((c) => c.kernel)).toEqual(convs.map((c) => c.kernel));
    expect(convs[1]!.strides).toEqual([2, 1]); // the spec is not mutated
  });

  it('leaves the convs alone when the strided conv has a kernel height > 1, the first is not 1×1, or nothing is strided', () => {
    for (const convs of [
      [conv([1, 1], [1, 1]), conv([3, 3], [2, 1])],
      [conv([3, 1], [1, 1]), conv([1, 3], [2, 1])],
      [conv([1, 1], [1, 1]), conv([1, 3], [1, 1])],
    ]) {
      expect(hoistFrequencyStride(convs)).toEqual(convs);
    }
  });
});
