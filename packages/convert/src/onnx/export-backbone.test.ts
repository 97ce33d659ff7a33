/**
 * The whole small SF-NFNet-F0 (a generated Keras fixture, read through the converter's own
 * reader and recogniser) exported to ONNX and run in onnxruntime-node, checked against a direct
 * float64 evaluation written here from UPSTREAM.md (a sanity check; the parity proof against the
 * Python reference is separate).
 */
import { MuleError, type BlockSpec, type ConvSpec, type SfNfNetSpec } from '@mule-ts/core';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { makeTempDir } from '@mule-ts/test-utils';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKerasFile } from '../keras/index.js';
import { buildCanonicalCheckpoint, recogniseSfNfNet } from '../recognise/index.js';
import { buildBackboneOnnx, buildBackboneOnnxModel, writeBackboneOnnx } from './export-backbone.js';
import { decodeModelProto } from './onnx-proto.js';

// ---------------------------------------------------------------------------------------------
// Direct float64 evaluation (NCHW, batch 1), written from the architecture description.

interface Map3 {
  c: number;
  h: number;
  w: number;
  data: Float64Array;
}

/** erf in float64: Maclaurin series below 2.5, the classic continued fraction for erfc above. */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f);
  return Math.sign(x) * (1 - erfc);
}

function scaledGelu(x: number, gain: number): number {
  return gain * 0.5 * x * (1 + erf(x / Math.SQRT2));
}

function mapValues(m: Map3, f: (v: number) => number): Map3 {
  return { ...m, data: m.data.map(f) };
}

function samePad(size: number, k: number, s: number): { out: number; before: number } {
  const out = Math.ceil(size / s);
  return { out, before: Math.floor(Math.max((out - 1) * s + k - size, 0) / 2) };
}

function referenceConv(x: Map3, t: (name: string) => Float32Array, prefix: string, spec: ConvSpec): Map3 {
  const v = t(`${prefix}.weight`);
  const gain = t(`${prefix}.gain`);
  const bias = t(`${prefix}.bias`);
  const [kh, kw] = spec.kernel;
  const cinG = spec.inChannels / spec.groups;
  const coutG = spec.outChannels / spec.groups;
  const fan = cinG * kh * kw;
  const kernel = new Float64Array(v.length);
  for (let o = 0; o < spec.outChannels; o++) {
    let mean = 0;
    for (let i = 0; i < fan; i++) mean += v[o * fan + i]!;
    mean /= fan;
    let variance = 0;
    for (let i = 0; i < fan; i++) variance += (v[o * fan + i]! - mean) ** 2;
    variance /= fan;
    const scale = gain[o]! / Math.sqrt(Math.max(variance * fan, 1e-4));
    for (let i = 0; i < fan; i++) kernel[o * fan + i] = v[o * fan + i]! * scale - mean * scale;
  }
  const ph = samePad(x.h, kh, spec.strides[0]);
  const pw = samePad(x.w, kw, spec.strides[1]);
  const out = new Float64Array(spec.outChannels * ph.out * pw.out);
  for (let o = 0; o < spec.outChannels; o++) {
    const g = Math.floor(o / coutG);
    for (let oy = 0; oy < ph.out; oy++) {
      for (let ox = 0; ox < pw.out; ox++) {
        let sum = bias[o]!;
        for (let ci = 0; ci < cinG; ci++) {
          for (let ky = 0; ky < kh; ky++) {
            const y = oy * spec.strides[0] - ph.before + ky;
            if (y < 0 || y >= x.h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const xx = ox * spec.strides[1] - pw.before + kx;
              if (xx < 0 || xx >= x.w) continue;
              sum += kernel[((o * cinG + ci) * kh + ky) * kw + kx]! * x.data[((g * cinG + ci) * x.h + y) * x.w + xx]!;
            }
          }
        }
        out[(o * ph.out + oy) * pw.out + ox] = sum;
      }
    }
  }
  return { c: spec.outChannels, h: ph.out, w: pw.out, data: out };
}

/** AveragePooling2D((f,1), strides (f,1), 'same'): the mean of the cells inside the input only. */
function referenceFreqPool(x: Map3, f: number): Map3 {
  const p = samePad(x.h, f, f);
  const out = new Float64Array(x.c * p.out * x.w);
  for (let c = 0; c < x.c; c++) {
    for (let oy = 0; oy < p.out; oy++) {
      for (let ox = 0; ox < x.w; ox++) {
        let sum = 0;
        let n = 0;
        for (let k = 0; k < f; k++) {
          const y = oy * f - p.before + k;
          if (y < 0 || y >= x.h) continue;
          sum += x.data[(c * x.h + y) * x.w + ox]!;
          n++;
        }
        out[(c * p.out + oy) * x.w + ox] = sum / n;
      }
    }
  }
  return { c: x.c, h: p.out, w: x.w, data: out };
}

function channelMeans(x: Map3): number[] {
  const hw = x.h * x.w;
  return Array.from({ length: x.c }, (_, c) => {
    let s = 0;
    for (let i = 0; i < hw; i++) s += x.data[c * hw + i]!;
    return s / hw;
  });
}

function referenceBlock(x: Map3, t: (name: string) => Float32Array, prefix: string, block: BlockSpec, gain: number, alpha: number): Map3 {
  const activated = mapValues(x, (v) => block.beta * scaledGelu(v, gain));
  let skip = x;
  if (block.transition) {
    const pooled = block.freqStride > 1 ? referenceFreqPool(activated, block.freqStride) : activated;
    skip = referenceConv(pooled, t, `${prefix}.shortcut`, block.shortcut!);
  }
  let h = activated;
  block.convs.forEach((conv, k) => {
    h = referenceConv(h, t, `${prefix}.conv${k}`, conv);
    if (k < 3) h = mapValues(h, (v) => scaledGelu(v, gain));
  });
  const pooled = channelMeans(h);
  const w0 = t(`${prefix}.se.fc0.weight`);
  const b0 = t(`${prefix}.se.fc0.bias`);
  const w1 = t(`${prefix}.se.fc1.weight`);
  const b1 = t(`${prefix}.se.fc1.bias`);
  const hidden = Array.from({ length: block.seHidden }, (_, j) => Math.max(0, b0[j]! + pooled.reduce((s, p, c) => s + w0[j * block.outChannels + c]! * p, 0)));
  const gate = Array.from({ length: block.outChannels }, (_, c) => 1 / (1 + Math.exp(-(b1[c]! + hidden.reduce((s, v, j) => s + w1[c * block.seHidden + j]! * v, 0)))));
  const skipGain = t(`${prefix}.skip_gain`)[0]!;
  const hw = h.h * h.w;
  const out = skip.data.map((s, i) => s + h.data[i]! * 2 * gate[Math.floor(i / hw)]! * skipGain * alpha);
  return { ...skip, data: out };
}

function referenceBackbone(spec: SfNfNetSpec, t: (name: string) => Float32Array, input: Float32Array, frames?: number): Float64Array {
  const [height, specWidth, channels] = spec.inputShape;
  const width = frames ?? specWidth;
  const x: Map3 = { c: channels, h: height, w: width, data: Float64Array.from(input) };
  const stem = (path: 'slow' | 'fast'): Map3 => {
    let m = x;
    spec[path].stem.forEach((conv, i) => {
      m = referenceConv(m, t, `${path}.stem.${i}`, conv);
      if (i < spec[path].stem.length - 1) m = mapValues(m, (v) => scaledGelu(v, spec.activationGain));
    });
    return m;
  };
  let slow = stem('slow');
  let fast = stem('fast');
  spec.fusions.forEach((fusion, s) => {
    const fused = referenceConv(referenceConv(fast, t, `fusions.${s}.temporal`, fusion.temporal), t, `fusions.${s}.pointwise`, fusion.pointwise);
    expect([fused.h, fused.w]).toEqual([slow.h, slow.w]);
    const cat = new Float64Array(slow.data.length + fused.data.length);
    cat.set(slow.data);
    cat.set(fused.data, slow.data.length);
    slow = { c: slow.c + fused.c, h: slow.h, w: slow.w, data: cat };
    spec.slow.stages[s]!.blocks.forEach((b, k) => (slow = referenceBlock(slow, t, `slow.stages.${s}.blocks.${k}`, b, spec.activationGain, spec.alpha)));
    spec.fast.stages[s]!.blocks.forEach((b, k) => (fast = referenceBlock(fast, t, `fast.stages.${s}.blocks.${k}`, b, spec.activationGain, spec.alpha)));
  });
  return Float64Array.from([...channelMeans(slow), ...channelMeans(fast)].map((v) => scaledGelu(v, spec.activationGain)));
}

// ---------------------------------------------------------------------------------------------

function testSlices(n: number, seed: number): Float32Array {
  const per = 96 * 300;
  const out = new Float32Array(n * per);
  for (let i = 0; i < out.length; i++) {
    const k = i % per;
    const slice = Math.floor(i / per) + seed;
    out[i] = Math.sin(k * 0.0137 * (slice + 1)) + 0.5 * Math.cos((k % 300) * 0.21 + slice) - 0.3 * Math.sin(Math.floor(k / 300) * 0.4 * slice);
  }
  return out;
}

async function runBackbone(session: ort.InferenceSession, n: number, data: Float32Array, width = 300): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const result = await session.run({ mel_slices: new ort.Tensor('float32', data, [n, 1, 96, width]) });
  const out = result.embedding!;
  return { data: out.data as Float32Array, dims: out.dims };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('buildBackboneOnnx on the small fixture', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let spec: SfNfNetSpec;
  let file: string;
  const tensors = new Map<string, Float32Array>();
  const tensor = (name: string): Float32Array => {
    const t = tensors.get(name);
    if (!t) throw new Error(`test: no tensor ${name}`);
    return t;
  };
  let baked: ort.InferenceSession;

  beforeAll(async () => {
    tmp = await makeTempDir();
    file = join(tmp.dir, 'small.keras');
    await writeKerasFixture({ size: 'small', seed: 1, out: file });
    const model = await openKerasFile(file);
    const checkpoint = buildCanonicalCheckpoint(model, recogniseSfNfNet(model));
    spec = checkpoint.spec;
    for (const t of checkpoint.tensors) tensors.set(t.name, t.read());
    baked = await ort.InferenceSession.create(buildBackboneOnnx(spec, tensor, { source: file }));
  });

  afterAll(async () => {
    await baked?.release();
    await tmp?.cleanup();
  });

  it('runs with N = 1 and N = 3: (N, 36), finite, each row independent of the batch', async () => {
    const x3 = testSlices(3, 1);
    const three = await runBackbone(baked, 3, x3);
    expect([...three.dims]).toEqual([3, 36]);
    expect(three.data.every(Number.isFinite)).toBe(true);
    for (let i = 0; i < 3; i++) {
      const one = await runBackbone(baked, 1, x3.slice(i * 96 * 300, (i + 1) * 96 * 300));
      expect([...one.dims]).toEqual([1, 36]);
      expect(maxAbsDiff(one.data, three.data.subarray(i * 36, (i + 1) * 36))).toBeLessThan(1e-6);
    }
    // different slices give different embeddings (the input really flows through)
    expect(maxAbsDiff(three.data.subarray(0, 36), three.data.subarray(36, 72))).toBeGreaterThan(1e-3);
  });

  // Measured 2.2e-7 to 2.9e-7 relative (float32 inference); a 1e-3 perturbation of a main-path kernel
  // moves the output ~1e-4 relative, so the bound sits well between the two.
  it('agrees with a direct float64 evaluation to 2e-6 relative', async () => {
    const x = testSlices(1, 7);
    const got = await runBackbone(baked, 1, x);
    const want = referenceBackbone(spec, tensor, x);
    const rel = maxAbsDiff(got.data, want) / maxAbs(want);
    console.log(`small model: max |ORT float32 - float64 reference| / max |reference| = ${rel.toExponential(2)} (max |reference| ${maxAbs(want).toFixed(4)})`);
    expect(rel).toBeLessThan(2e-6);
  });

  it('takes any slice width (dynamic W): upstream\'s 49-frame slice of a 2.5 s clip, and odd widths', async () => {
    for (const width of [49, 137, 301]) {
      const x = testSlices(2, width).subarray(0, 96 * width);
      const got = await runBackbone(baked, 1, Float32Array.from(x), width);
      const want = referenceBackbone(spec, tensor, Float32Array.from(x), width);
      const rel = maxAbsDiff(got.data, want) / maxAbs(want);
      console.log(`width ${width}: max rel difference to the float64 evaluation ${rel.toExponential(2)}`);
      expect(rel).toBeLessThan(2e-6);
    }
    // A fixed-width export (explicit pads everywhere) gives the same result at its width.
    const fixed = await ort.InferenceSession.create(buildBackboneOnnx(spec, tensor, { width: 300 }));
    try {
      const x = testSlices(2, 11);
      expect(maxAbsDiff((await runBackbone(fixed, 2, x)).data, (await runBackbone(baked, 2, x)).data)).toBeLessThan(1e-6);
    } finally {
      await fixed.release();
    }
  });

  it('computes the same channels-last (the int8 layout) as the float64 evaluation, at any width', async () => {
    const session = await ort.InferenceSession.create(buildBackboneOnnx(spec, tensor, { channelsLast: true }));
    try {
      for (const width of [300, 49]) {
        const x = Float32Array.from(testSlices(2, width).subarray(0, 96 * width));
        const got = await runBackbone(session, 1, x, width);
        const want = referenceBackbone(spec, tensor, x, width);
        const rel = maxAbsDiff(got.data, want) / maxAbs(want);
        console.log(`channels-last, width ${width}: max rel difference to the float64 evaluation ${rel.toExponential(2)}`);
        expect(rel).toBeLessThan(2e-6);
      }
    } finally {
      await session.release();
    }
  });

  it('gives the same embedding with WS in the graph (keepWs), with every fold off and without stride hoisting', async () => {
    const x = testSlices(2, 3);
    const want = await runBackbone(baked, 2, x);
    for (const options of [
      { keepWs: true },
      { fold: { activationScales: false, residualScales: false } },
      { keepWs: true, fold: { activationScales: false } },
      { hoistStrides: false, fold: { activationScales: false, residualScales: false } },
    ]) {
      const model = buildBackboneOnnxModel(spec, tensor, options);
      const session = await ort.InferenceSession.create(buildBackboneOnnx(spec, tensor, options));
      try {
        const got = await runBackbone(session, 2, x);
        const diff = maxAbsDiff(got.data, want.data);
        console.log(`${JSON.stringify(options)}: ${model.nodeCount} nodes, max |diff| vs baked+folded = ${diff.toExponential(2)}`);
        expect(diff).toBeLessThan(1e-5);
      } finally {
        await session.release();
      }
    }
  });

  it("lets ORT fuse every exact GELU, and the folds remove the scale multiplies from ORT's optimised graph", async () => {
    const allBlocks = [...spec.slow.stages, ...spec.fast.stages].flatMap((st) => st.blocks);
    const blocks = allBlocks.length;
    const betasNotOne = allBlocks.filter((b) => b.beta !== 1).length;
    const gelus = 2 * 3 + 4 * blocks + 1;
    const optimisedOps = async (options: Parameters<typeof buildBackboneOnnx>[2]): Promise<Map<string, number>> => {
      const optimizedModelFilePath = join(tmp.dir, 'optimised.onnx');
      const session = await ort.InferenceSession.create(buildBackboneOnnx(spec, tensor, options), { optimizedModelFilePath, logSeverityLevel: 3 });
      await session.release();
      const counts = new Map<string, number>();
      for (const n of decodeModelProto(await readFile(optimizedModelFilePath)).graph.node) counts.set(n.opType, (counts.get(n.opType) ?? 0) + 1);
      return counts;
    };
    const folded = await optimisedOps({});
    const unfolded = await optimisedOps({ fold: { activationScales: false, residualScales: false } });
    console.log(`ORT-optimised graph (small model): folded ${JSON.stringify(Object.fromEntries(folded))}; unfolded Mul ${unfolded.get('Mul')}`);
    expect(folded.get('Gelu')).toBe(gelus);
    expect(folded.get('Erf')).toBeUndefined();
    // folded: the SE gate scale and the gated product per block, and the head gain
    expect(folded.get('Mul')).toBe(2 * blocks + 1);
    // unfolded: + gain and beta (unless 1) per block input, + gain after each residual/stem GELU, + skip_gain and alpha per block
    expect(unfolded.get('Mul')).toBe(2 * blocks + 1 + blocks + betasNotOne + 3 * blocks + 2 * 3 + 2 * blocks);
  });

  it('writes the model atomically; the file equals the in-memory bytes and leaves no temp behind', async () => {
    const out = join(tmp.dir, 'backbone.onnx');
    const written = await writeBackboneOnnx(out, spec, tensor, { source: file });
    const bytes = await readFile(out);
    expect(bytes.length).toBe(written.byteLength);
    expect(Buffer.compare(bytes, Buffer.from(buildBackboneOnnx(spec, tensor, { source: file })))).toBe(0);
    expect((await readdir(tmp.dir)).filter((f) => f.startsWith('.'))).toEqual([]);
    console.log(`small backbone.onnx: ${bytes.length} bytes, ${written.nodeCount} nodes, ${written.initializerCount} initializers`);
    const session = await ort.InferenceSession.create(out);
    try {
      expect(session.inputNames).toEqual(['mel_slices']);
      expect(session.outputNames).toEqual(['embedding']);
    } finally {
      await session.release();
    }
    await expect(writeBackboneOnnx(join(tmp.dir, 'missing-dir', 'x.onnx'), spec, tensor)).rejects.toThrow(/missing-dir.*cannot write/);
    expect(existsSync(join(tmp.dir, 'missing-dir'))).toBe(false);
  });

  it('names the tensor when the checkpoint lacks one', () => {
    const missing = (name: string): Float32Array => {
      if (name === 'slow.stages.1.blocks.1.se.fc1.bias') throw new MuleError('MISSING_WEIGHT', `ckpt: no tensor ${name}`, { tensor: name });
      return tensor(name);
    };
    expect(() => buildBackboneOnnx(spec, missing, { source: 'ckpt' })).toThrow(/slow\.stages\.1\.blocks\.1\.se\.fc1\.bias/);
    const short = (name: string): Float32Array => (name === 'fusions.2.temporal.weight' ? tensor(name).subarray(1) : tensor(name));
    expect(() => buildBackboneOnnx(spec, short, { source: 'ckpt' })).toThrow(/ckpt: tensor 'fusions\.2\.temporal\.weight' holds \d+ values, expected shape/);
  });
});
