/**
 * Writes backbone-int8.onnx beside a converted fp32 backbone: int8 convs (uint8 activations,
 * per-channel int8 weights; see convert's qdq-conv.ts) with activation ranges calibrated on mel
 * slices from the project's own front-end. The calibration method and which convs stay float32 are
 * chosen by measured drift: each candidate is built and run on held-out generated audio (other
 * seeds than the calibration set) and compared with the fp32 backbone; of those within the int8
 * verification bounds the one with the most int8 convs (the fastest) is written, else the one with
 * the highest clip-embedding cosine, and the per-conv drift of the chosen one is reported. It lives
 * in verify because it needs convert's graph builder, the runtime's onnxruntime and the front-end
 * together (convert itself stays free of onnxruntime).
 */
import { join } from 'node:path';
import { backboneFileName, MANIFEST_FILE_NAME, MODEL_CONFIG_FILE_NAME, SAFETENSORS_FILE_NAME, validateManifest } from '@mule-ts/core';
import { buildBackboneOnnx, calibrationOutputNames, openSafetensors, type ConvRanges } from '@mule-ts/convert';
import { readModelConfig, sha256File, verifyManifest } from '@mule-ts/runtime';
import * as ort from 'onnxruntime-node';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../report/write-report.js';
import { directorySlices, generatedSlices, type CalibrationSlices } from './calibration-slices.js';
import { compareArrays } from '../compare/array-metrics.js';
import { INT8_THRESHOLDS } from '../compare/thresholds.js';

export const INT8_FILE_NAME = backboneFileName('int8');

/** Calibration seeds and the held-out seeds the candidates are judged on (disjoint). */
const CALIBRATION_SEEDS = [101, 102, 103, 104, 105, 106, 107, 108];
const HELD_OUT_SEEDS = [201, 202, 203, 204];
const CLIP_SECONDS = 7;
const RUN_BATCH = 4;
/** Percentile of the percentile method: ranges cover this fraction of the calibration values. */
const PERCENTILE = 0.99999;
/** Values kept per tensor for the percentile estimate (strided subsample). */
const SAMPLES_PER_TENSOR = 20_000;

export interface Int8Candidate {
  label: string;
  method: 'min-max' | 'percentile';
  /** Conv prefixes kept in float32. */
  floatConvs: string[];
  /** How many convs it runs in int8. */
  quantizedConvs: number;
  /** Against the fp32 backbone on the held-out slices. */
  minSliceCosine: number;
  clipCosine: number;
}

export interface Int8VariantSummary {
  file: string;
  bytes: number;
  sha256: string;
  calibration: string;
  heldOut: string;
  candidates: Int8Candidate[];
  chosen: Int8Candidate;
  /** How many convs it runs in int8. */
  quantizedConvs: number;
  /** The convs whose outputs drift most from fp32 in the chosen model (relative RMS), largest first. */
  layerDrift: Array<{ conv: string; relativeRms: number }>;
}

export interface Int8VariantOptions {
  /** A converted artifacts directory (model.safetensors, config.json, manifest.json). */
  artifacts: string;
  /** A directory of the user's audio files to calibrate on (default: the built-in generated set). */
  calibration?: string;
  onProgress?: (message: string) => void;
}

interface Ranges {
  minMax: Map<string, ConvRanges>;
  percentile: Map<string, ConvRanges>;
}

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { executionMode: 'sequential', interOpNumThreads: 1 };

/** Runs `session` over the slices in batches, handing each batch's outputs to `use`. */
async function runBatches(session: ort.InferenceSession, s: CalibrationSlices, use: (outputs: ort.InferenceSession.OnnxValueMapType, start: number, n: number) => void): Promise<void> {
  const per = s.melBins * s.width;
  for (let start = 0; start < s.count; start += RUN_BATCH) {
    const n = Math.min(RUN_BATCH, s.count - start);
    const input = new ort.Tensor('float32', s.data.slice(start * per, (start + n) * per), [n, 1, s.melBins, s.width]);
    use(await session.run({ [session.inputNames[0]!]: input }), start, n);
  }
}

function calibrationRanges(outputs: ort.InferenceSession.OnnxValueMapType, prefixes: readonly string[], ranges: Map<string, { lo: number[]; hi: number[]; samples: number[][] }>): void {
  for (const prefix of prefixes) {
    const names = calibrationOutputNames(prefix);
    const r = ranges.get(prefix) ?? { lo: [Infinity, Infinity], hi: [-Infinity, -Infinity], samples: [[], []] };
    [names.input, names.output].forEach((name, side) => {
      const data = outputs[name]!.data as Float32Array;
      const step = Math.max(1, Math.floor(data.length / SAMPLES_PER_TENSOR));
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!;
        if (v < r.lo[side]!) r.lo[side] = v;
        if (v > r.hi[side]!) r.hi[side] = v;
        if (i % step === 0) r.samples[side]!.push(v);
      }
    });
    ranges.set(prefix, r);
  }
}

function finishRanges(raw: Map<string, { lo: number[]; hi: number[]; samples: number[][] }>): Ranges {
  const minMax = new Map<string, ConvRanges>();
  const percentile = new Map<string, ConvRanges>();
  for (const [prefix, r] of raw) {
    minMax.set(prefix, { input: { min: r.lo[0]!, max: r.hi[0]! }, output: { min: r.lo[1]!, max: r.hi[1]! } });
    const [input, output] = r.samples.map((values) => {
      const sorted = Float64Array.from(values).sort();
      return { min: sorted[Math.floor((1 - PERCENTILE) * (sorted.length - 1))]!, max: sorted[Math.ceil(PERCENTILE * (sorted.length - 1))]! };
    });
    percentile.set(prefix, { input: input!, output: output! });
  }
  return { minMax, percentile };
}

/** Per-slice minimum and clip (mean over the slices of each held-out clip) cosine of `y` to `reference`, both (count, D). */
function agreement(y: Float32Array, reference: Float32Array, count: number, slicesPerClip: number): { minSliceCosine: number; clipCosine: number } {
  const d = y.length / count;
  let minSliceCosine = 1;
  for (let i = 0; i < count; i++) minSliceCosine = Math.min(minSliceCosine, compareArrays(y.subarray(i * d, (i + 1) * d), reference.subarray(i * d, (i + 1) * d)).cosine);
  let clipCosine = 1;
  for (let c = 0; c * slicesPerClip < count; c++) {
    const n = Math.min(slicesPerClip, count - c * slicesPerClip);
    const mean = (x: Float32Array) => {
      const m = new Float64Array(d);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) m[j]! += x[(c * slicesPerClip + i) * d + j]! / n;
      return m;
    };
    clipCosine = Math.min(clipCosine, compareArrays(mean(y), mean(reference)).cosine);
  }
  return { minSliceCosine, clipCosine };
}

async function embeddings(model: Uint8Array | string, s: CalibrationSlices): Promise<Float32Array> {
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model, SESSION_OPTIONS) : await ort.InferenceSession.create(model, SESSION_OPTIONS);
  try {
    const parts: Float32Array[] = [];
    await runBatches(session, s, (out) => parts.push(out[session.outputNames[0]!]!.data as Float32Array));
    const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return all;
  } finally {
    await session.release();
  }
}

export async function writeInt8Variant(options: Int8VariantOptions): Promise<Int8VariantSummary> {
  const say = options.onProgress ?? (() => undefined);
  const dir = options.artifacts;
  // The files it builds from must be the converted ones, unchanged.
  await verifyManifest(dir, { files: [SAFETENSORS_FILE_NAME, MODEL_CONFIG_FILE_NAME, backboneFileName('fp32')] });
  const config = await readModelConfig(join(dir, MODEL_CONFIG_FILE_NAME));
  const calibration = options.calibration ? await directorySlices(options.calibration, config) : generatedSlices(CALIBRATION_SEEDS, CLIP_SECONDS, config);
  const heldOut = generatedSlices(HELD_OUT_SEEDS, CLIP_SECONDS, config);
  const slicesPerClip = heldOut.count / HELD_OUT_SEEDS.length;
  say(`int8: calibrating on ${calibration.count} slices (${calibration.description}); judging on ${heldOut.count} held-out slices (${heldOut.description})`);

  const weights = openSafetensors(join(dir, SAFETENSORS_FILE_NAME));
  try {
    const tensor = (name: string) => weights.readTensor(name);
    const calibrationModel = buildBackboneOnnx(config.spec, tensor, { calibrationOutputs: true });
    const session = await ort.InferenceSession.create(calibrationModel, SESSION_OPTIONS);
    const prefixes = session.outputNames.filter((n) => n.endsWith('/input')).map((n) => n.slice('calibration/'.length, -'/input'.length));
    const raw = new Map<string, { lo: number[]; hi: number[]; samples: number[][] }>();
    try {
      await runBatches(session, calibration, (out) => calibrationRanges(out, prefixes, raw));
    } finally {
      await session.release();
    }
    const ranges = finishRanges(raw);
    say(`int8: activation ranges of ${prefixes.length} convs measured`);

    const fp32 = await embeddings(join(dir, backboneFileName('fp32')), heldOut);
    const stems = prefixes.filter((p) => /^(slow|fast)\.stem\./.test(p));
    const slowStemButLast = stems.filter((p) => p.startsWith('slow.') && p !== `slow.stem.${config.spec.slow.stem.length - 1}`);
    const plans: Array<Omit<Int8Candidate, 'minSliceCosine' | 'clipCosine' | 'quantizedConvs'>> = [
      { label: 'min-max, every conv int8', method: 'min-max', floatConvs: [] },
      { label: 'min-max, stems float32', method: 'min-max', floatConvs: stems },
      { label: `percentile ${PERCENTILE}, stems float32`, method: 'percentile', floatConvs: stems },
      // The fast path is the thin one (a fraction of the FLOPs): the drift report's largest entries.
      { label: 'min-max, stems and the fast path float32', method: 'min-max', floatConvs: [...stems, ...prefixes.filter((p) => p.startsWith('fast.'))] },
      // The slow stem's last conv is its widest (a 3x3 conv to 128 channels: 2% of the int8 model's time in float32).
      { label: 'min-max, the slow stem but its last conv and the fast path float32', method: 'min-max', floatConvs: [...slowStemButLast, ...prefixes.filter((p) => p.startsWith('fast.'))] },
    ];
    const candidates: Int8Candidate[] = [];
    let best: { candidate: Int8Candidate; bytes: Uint8Array; ranges: Map<string, ConvRanges> } | null = null;
    for (const plan of plans) {
      const chosen = new Map([...(plan.method === 'min-max' ? ranges.minMax : ranges.percentile)].filter(([p]) => !plan.floatConvs.includes(p)));
      const bytes = buildBackboneOnnx(config.spec, tensor, { int8Ranges: chosen });
      const candidate = { ...plan, quantizedConvs: chosen.size, ...agreement(await embeddings(bytes, heldOut), fp32, heldOut.count, slicesPerClip) };
      candidates.push(candidate);
      say(`int8: ${plan.label} (${chosen.size} convs int8): held-out per-slice cosine >= ${candidate.minSliceCosine.toFixed(6)}, clip cosine >= ${candidate.clipCosine.toFixed(6)} (vs fp32)`);
      if (!best || better(candidate, best.candidate)) best = { candidate, bytes, ranges: chosen };
    }
    const layerDrift = await convDrift(calibrationModel, config.spec, tensor, best!.ranges, heldOut, prefixes);
    say(`int8: chose "${best!.candidate.label}"; the convs drifting most: ${layerDrift.slice(0, 5).map((l) => `${l.conv} ${l.relativeRms.toExponential(1)}`).join(', ')}`);

    const file = join(dir, INT8_FILE_NAME);
    await writeFileAtomic(file, best!.bytes);
    const sha256 = await sha256File(file);
    await addManifestEntry(dir, INT8_FILE_NAME, { sha256, bytes: best!.bytes.length });
    return {
      file,
      bytes: best!.bytes.length,
      sha256,
      calibration: calibration.description,
      heldOut: heldOut.description,
      candidates,
      chosen: best!.candidate,
      quantizedConvs: best!.ranges.size,
      layerDrift,
    };
  } finally {
    weights.close();
  }
}

/** Within the bounds verify will hold the file to (per-slice and clip cosine to fp32 here). */
function withinBounds(c: Int8Candidate): boolean {
  return c.minSliceCosine >= INT8_THRESHOLDS.backbone.minCosine && c.clipCosine >= INT8_THRESHOLDS.embedding.minCosine;
}

/** Within the bounds, more int8 convs (faster; then the closer); if neither is within them, the closer clip embedding. */
export function better(a: Int8Candidate, than: Int8Candidate): boolean {
  if (withinBounds(a) !== withinBounds(than)) return withinBounds(a);
  if (withinBounds(a) && a.quantizedConvs !== than.quantizedConvs) return a.quantizedConvs > than.quantizedConvs;
  return a.clipCosine > than.clipCosine;
}

/** Relative RMS difference of every conv's output, int8 model against fp32 (`reference`: the calibration model), on the held-out slices (largest first). */
async function convDrift(
  calibrationModel: Uint8Array,
  spec: Parameters<typeof buildBackboneOnnx>[0],
  tensor: (name: string) => Float32Array,
  ranges: Map<string, ConvRanges>,
  heldOut: CalibrationSlices,
  prefixes: readonly string[],
): Promise<Array<{ conv: string; relativeRms: number }>> {
  const reference = await ort.InferenceSession.create(calibrationModel, SESSION_OPTIONS);
  const quantized = await ort.InferenceSession.create(buildBackboneOnnx(spec, tensor, { calibrationOutputs: true, int8Ranges: ranges }), SESSION_OPTIONS);
  const sums = new Map(prefixes.map((p) => [p, { diff: 0, ref: 0 }]));
  try {
    const per = heldOut.melBins * heldOut.width;
    for (let start = 0; start < heldOut.count; start += RUN_BATCH) {
      const n = Math.min(RUN_BATCH, heldOut.count - start);
      const input = { [reference.inputNames[0]!]: new ort.Tensor('float32', heldOut.data.slice(start * per, (start + n) * per), [n, 1, heldOut.melBins, heldOut.width]) };
      const a = await reference.run(input);
      const b = await quantized.run(input);
      for (const p of prefixes) {
        const name = calibrationOutputNames(p).output;
        const x = a[name]!.data as Float32Array;
        const y = b[name]!.data as Float32Array;
        const s = sums.get(p)!;
        for (let i = 0; i < x.length; i++) {
          s.diff += (y[i]! - x[i]!) ** 2;
          s.ref += x[i]! ** 2;
        }
      }
    }
  } finally {
    await reference.release();
    await quantized.release();
  }
  return [...sums].map(([conv, s]) => ({ conv, relativeRms: Math.sqrt(s.diff / s.ref) })).sort((x, y) => y.relativeRms - x.relativeRms);
}

/** Adds (or replaces) one file's entry in manifest.json, keeping every other field and record; atomically. */
async function addManifestEntry(dir: string, name: string, entry: { sha256: string; bytes: number }): Promise<void> {
  const file = join(dir, MANIFEST_FILE_NAME);
  const raw = JSON.parse(await readFile(file, 'utf8')) as { files: Record<string, unknown> };
  raw.files[name] = entry;
  validateManifest(raw, file);
  await writeFileAtomic(file, `${JSON.stringify(raw, null, 2)}\n`);
}
