/**
 * The runtime against a dump of the genuine upstream pipeline, stage by stage. Each stage is fed
 * upstream's own output of the stage before, so a fault shows first at the stage that has it:
 *
 * - decoding: the runtime's decode of the audio vs upstream's decoded samples (summed to mono as
 *   upstream sums them): exactly equal.
 * - waveform: resampleForModel of upstream's decoded mono vs upstream's 16 kHz waveform.
 * - mel: logMelSpectrogram of upstream's waveform vs upstream's mel.
 * - slices: extractSlices of upstream's mel vs the slices upstream fed its model (centres too,
 *   when the dump records them).
 * - backbone (--onnx): backbone.onnx on upstream's slices vs upstream's per-slice embeddings.
 * - timeline, embedding (--onnx): the runtime end to end from the audio file (its own decode and
 *   front-end) vs upstream's timeline and clip embedding.
 * A stage whose upstream array the dump does not hold is not compared (not-requested, saying so).
 */
import type { BackbonePrecision, FrontEndParams } from '@mule-ts/core';
import { loadAudio, type LoadedAudio } from '@mule-ts/runtime';
import type { ParityStage, StageThreshold } from '../compare/index.js';
import { RUNTIME_PIPELINE, type CandidateModel, type CandidatePipeline } from '../parity/candidate-pipeline.js';
import { judgeArrays, stageNotRun } from '../parity/judge-stage.js';
import { PIPELINE_ONLY, parityVerdict, transpose, type ParityResult } from '../parity/run-parity.js';
import { candidateFileName, loadCandidateModel } from '../parity/candidate-model.js';
import type { StageResult } from '../parity/stage-result.js';
import type { FloatArray, UpstreamDump } from './read-upstream-dump.js';

/** The stages of a comparison with an upstream dump: decoding first. */
export const DUMP_STAGE_ORDER: readonly ParityStage[] = ['decoding', 'waveform', 'mel', 'slices', 'backbone', 'timeline', 'embedding'];

export interface DumpParityOptions {
  dump: UpstreamDump;
  /** The audio file the dump was made from (checked by the caller). */
  audio: string;
  thresholds: Record<ParityStage, StageThreshold>;
  frontEnd: FrontEndParams;
  onnx: boolean;
  artifactsDir?: string;
  pipeline?: CandidatePipeline;
  /** Which backbone file the model stages run (default 'fp32': backbone.onnx). */
  precision?: BackbonePrecision;
  /** Run pipeline.onnx (waveform in) instead of a backbone file: timeline and embedding end to end. */
  pipelineOnnx?: boolean;
  onProgress?: (message: string) => void;
}

const DESCRIPTIONS: Record<ParityStage, string> = {
  decoding: "runtime decode (ffmpeg, upstream's command) vs upstream's decoded 44.1 kHz samples, channels summed as upstream sums them",
  waveform: "runtime resampleForModel of upstream's decoded mono vs upstream's 16 kHz waveform",
  mel: "runtime logMelSpectrogram of upstream's waveform vs upstream's mel",
  slices: "runtime extractSlices of upstream's mel vs the slices upstream fed its model",
  backbone: "the backbone file (backbone.onnx, or the --precision one) on upstream's slices vs upstream's per-slice embeddings (per-slice cosine)",
  timeline: "runtime end to end from the audio file vs upstream's timeline (per-slice cosine)",
  embedding: "runtime end to end from the audio file vs upstream's clip embedding",
  onnx: 'the ONNX artifact',
};

const elapsed = (since: number): number => (performance.now() - since) / 1000;

/** Upstream's mono: its decoded channels summed (in float32, exact for int16 / 2^16 samples). */
function dumpMono(decoded: FloatArray): Float32Array {
  const [channels, n] = decoded.shape as [number, number];
  const mono = new Float32Array(n);
  for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) mono[i]! += decoded.data[c * n + i]!;
  return mono;
}

/** A stage where upstream and the runtime both have nothing (no slice): pass when both agree. */
function bothEmpty(stage: ParityStage, runtimeCount: number, threshold: StageThreshold): StageResult {
  const problems = runtimeCount === 0 ? [] : [`upstream took no slice, the runtime took ${runtimeCount}`];
  return {
    stage,
    status: problems.length === 0 ? 'pass' : 'fail',
    description: `${DESCRIPTIONS[stage]}: upstream took no slice (clip of 2 s or less), so neither side embeds anything`,
    candidateShape: [runtimeCount],
    referenceShape: [0],
    metrics: null,
    threshold,
    margin: null,
    problems,
    seconds: 0,
  };
}

export async function runDumpParity(options: DumpParityOptions): Promise<ParityResult> {
  const started = performance.now();
  const { dump, thresholds, frontEnd } = options;
  const pipeline = options.pipeline ?? RUNTIME_PIPELINE;
  const progress = options.onProgress ?? (() => {});
  const a = dump.arrays;
  const results = new Map<ParityStage, StageResult>();
  const absent = (stage: ParityStage, file: string): void => {
    results.set(stage, stageNotRun(stage, 'not-requested', DESCRIPTIONS[stage], `the dump holds no ${file}`));
  };
  const notes: string[] = [
    `Reference: ${dump.description}. Every stage is fed upstream's own output of the stage before; timeline and embedding run the runtime end to end from the audio file.`,
    "Upstream's outputs are float32 (resampy, librosa and TensorFlow run in float32): both sides carry float32 rounding, which the thresholds allow for.",
  ];

  progress(`runtime: decoding ${options.audio}`);
  let t = performance.now();
  let loaded: LoadedAudio | null = null;
  let decodeError: string | null = null;
  try {
    loaded = await loadAudio(options.audio, frontEnd, { keepDecoded: true });
  } catch (e) {
    decodeError = `the runtime could not decode ${options.audio}: ${(e as Error).message}`;
  }
  if (loaded) notes.push(...loaded.warnings);

  // Upstream's decoded mono: judged by the decoding stage, fed to the waveform stage.
  const upstreamMono = a.decoded_44k ? dumpMono(a.decoded_44k) : null;

  // decoding
  if (!a.decoded_44k || !upstreamMono) absent('decoding', 'decoded_44k.npy');
  else if (!loaded) results.set('decoding', stageNotRun('decoding', 'not-run', DESCRIPTIONS.decoding, decodeError!, thresholds.decoding));
  else {
    const problems: string[] = [];
    if (loaded.decodedSampleRate !== frontEnd.decoding.sampleRate) {
      problems.push(`the runtime decoded at ${loaded.decodedSampleRate} Hz with its ${loaded.decoder} reader, upstream at ${frontEnd.decoding.sampleRate} Hz: install ffmpeg (the runtime decodes with it as upstream does)`);
    }
    const channels = a.decoded_44k.shape[0]!;
    if (loaded.channelCount !== channels) problems.push(`the runtime decoded ${loaded.channelCount} channel(s), upstream ${channels}`);
    results.set(
      'decoding',
      judgeArrays('decoding', { values: loaded.decoded!, shape: [loaded.decoded!.length] }, { values: upstreamMono, shape: [upstreamMono.length] }, thresholds.decoding, {
        description: DESCRIPTIONS.decoding,
        problems,
        seconds: elapsed(t),
      }),
    );
  }

  // waveform: fed upstream's decoded mono when the dump has it, else the runtime's decode.
  const decodedMono = upstreamMono ?? loaded?.decoded ?? null;
  const decodedRate = upstreamMono ? frontEnd.decoding.sampleRate : (loaded?.decodedSampleRate ?? 0);
  if (!a.waveform) absent('waveform', 'waveform.npy');
  else if (!decodedMono) results.set('waveform', stageNotRun('waveform', 'not-run', DESCRIPTIONS.waveform, decodeError!, thresholds.waveform));
  else {
    t = performance.now();
    progress('runtime: resampleForModel');
    const fedBy = a.decoded_44k ? '' : ' (fed the runtime\'s decode: the dump holds no decoded_44k.npy)';
    try {
      const y = pipeline.resample(decodedMono, decodedRate, frontEnd);
      results.set('waveform', judgeArrays('waveform', { values: y, shape: [y.length] }, { values: a.waveform.data, shape: a.waveform.shape }, thresholds.waveform, { description: DESCRIPTIONS.waveform + fedBy, seconds: elapsed(t) }));
    } catch (e) {
      results.set('waveform', stageNotRun('waveform', 'not-run', DESCRIPTIONS.waveform, `the runtime failed: ${(e as Error).message}`, thresholds.waveform));
    }
  }

  // mel
  if (!a.mel) absent('mel', 'mel.npy');
  else if (!a.waveform) results.set('mel', stageNotRun('mel', 'not-requested', DESCRIPTIONS.mel, 'the dump holds no waveform.npy to feed the mel'));
  else {
    t = performance.now();
    progress("runtime: logMelSpectrogram of upstream's waveform");
    try {
      const mel = pipeline.logMel(Float32Array.from(a.waveform.data), frontEnd);
      results.set('mel', judgeArrays('mel', { values: mel.data, shape: [mel.nMels, mel.frames] }, { values: a.mel.data, shape: a.mel.shape }, thresholds.mel, { description: DESCRIPTIONS.mel, rows: mel.nMels, seconds: elapsed(t) }));
    } catch (e) {
      results.set('mel', stageNotRun('mel', 'not-run', DESCRIPTIONS.mel, `the runtime failed: ${(e as Error).message}`, thresholds.mel));
    }
  }

  // slices
  if (!a.slices) absent('slices', 'slices.npy');
  else if (!a.mel) results.set('slices', stageNotRun('slices', 'not-requested', DESCRIPTIONS.slices, 'the dump holds no mel.npy to slice'));
  else {
    t = performance.now();
    progress("runtime: extractSlices of upstream's mel");
    try {
      const [nMels, frames] = a.mel.shape as [number, number];
      const sliced = pipeline.extractSlices({ data: Float32Array.from(a.mel.data), nMels, frames }, frontEnd);
      const [count] = a.slices.shape as [number, number, number];
      const problems: string[] = [];
      if (dump.centres && dump.centres.join(',') !== sliced.centres.join(',')) problems.push(`centres [${sliced.centres.join(', ')}] differ from upstream's [${dump.centres.join(', ')}]`);
      if (count === 0 && sliced.slices.length === 0) {
        results.set('slices', { ...bothEmpty('slices', 0, thresholds.slices), problems, status: problems.length ? 'fail' : 'pass' });
      } else {
        const widths = new Set(sliced.widths);
        if (widths.size > 1) problems.push(`slices of different widths ${[...widths].join(', ')}`);
        results.set(
          'slices',
          judgeArrays('slices', { values: sliced.data, shape: [sliced.slices.length, sliced.nMels, sliced.widths[0] ?? 0] }, { values: a.slices.data, shape: a.slices.shape }, thresholds.slices, {
            description: DESCRIPTIONS.slices + (dump.centres ? '; centres exact' : ' (the dump records no centres: compared through the slices)'),
            rows: sliced.slices.length,
            problems,
            seconds: elapsed(t),
          }),
        );
      }
    } catch (e) {
      results.set('slices', stageNotRun('slices', 'not-run', DESCRIPTIONS.slices, `the runtime failed: ${(e as Error).message}`, thresholds.slices));
    }
  }

  if (!options.onnx) {
    for (const stage of ['backbone', 'timeline', 'embedding'] as const) results.set(stage, stageNotRun(stage, 'not-requested', DESCRIPTIONS[stage], 'needs backbone.onnx: run with --onnx'));
    notes.push('Front-end only: backbone, timeline and embedding run with --onnx.');
  } else {
    for (const r of await runModelStages(options, pipeline, loaded, decodeError, progress)) results.set(r.stage, r);
  }

  const stages = DUMP_STAGE_ORDER.map((s) => results.get(s)!);
  const audioDescription = loaded
    ? `${options.audio}: ${loaded.channelCount}-channel audio decoded by ${loaded.decoder}, ${loaded.seconds.toFixed(2)} s at ${loaded.decodedSampleRate / 1000} kHz`
    : `${options.audio} (not decoded: ${decodeError})`;
  const versions = Object.entries(dump.versions).filter(([, v]) => v !== null);
  return {
    verdict: parityVerdict(stages),
    createdAt: new Date().toISOString(),
    onnx: options.onnx,
    audio: { description: audioDescription, source: options.audio, samples: loaded?.decoded?.length ?? 0, sampleRate: loaded?.decodedSampleRate ?? 0 },
    reference: { runner: 'upstream-dump', description: dump.description, manifests: [] },
    candidate: pipeline.description,
    precision: options.precision ?? 'fp32',
    ...(options.pipelineOnnx ? { pipelineOnnx: true } : {}),
    artifactsDir: options.artifactsDir ?? null,
    keras: null,
    stages,
    notes,
    seconds: elapsed(started),
    upstreamDump: {
      descriptor: dump.descriptor,
      sha256: dump.descriptorSha256,
      versions: Object.fromEntries(versions),
      modelSha256: dump.model?.sha256 ?? null,
      audioSha256: dump.audio.sha256,
    },
  };
}

async function runModelStages(
  options: DumpParityOptions,
  pipeline: CandidatePipeline,
  loaded: LoadedAudio | null,
  decodeError: string | null,
  progress: (message: string) => void,
): Promise<StageResult[]> {
  const { thresholds, dump } = options;
  const { slices, embeddings, timeline, clip_embedding: clip } = dump.arrays;
  const notRun = (why: string): StageResult[] => (['backbone', 'timeline', 'embedding'] as const).map((s) => stageNotRun(s, 'not-run', DESCRIPTIONS[s], why, thresholds[s]));
  if (!options.artifactsDir) return notRun('no artifacts directory to load backbone.onnx from (--artifacts DIR)');
  let model: CandidateModel;
  try {
    progress(`runtime: loading ${options.artifactsDir} (${candidateFileName(options)})`);
    model = await loadCandidateModel(pipeline, options.artifactsDir, options);
  } catch (e) {
    return notRun(`cannot load the runtime model: ${(e as Error).message}`);
  }
  const out: StageResult[] = [];
  try {
    // backbone on upstream's slices
    const count = slices?.shape[0] ?? 0;
    if (!model.embedSlices) out.push(stageNotRun('backbone', 'not-requested', DESCRIPTIONS.backbone, PIPELINE_ONLY));
    else if (!slices || (!embeddings && count > 0)) out.push(stageNotRun('backbone', 'not-requested', DESCRIPTIONS.backbone, `the dump holds no ${slices ? 'embeddings.npy' : 'slices.npy'}`));
    else if (count === 0) out.push(bothEmpty('backbone', 0, thresholds.backbone));
    else {
      const t = performance.now();
      const width = slices.shape[2]!;
      progress(`runtime: ${candidateFileName(options)} on upstream's ${count} slice(s) of width ${width}`);
      try {
        const y = await model.embedSlices!(Float32Array.from(slices.data), count, width);
        out.push(judgeArrays('backbone', { values: y, shape: [count, model.embeddingDim] }, { values: embeddings!.data, shape: embeddings!.shape }, thresholds.backbone, { description: DESCRIPTIONS.backbone, rows: count, seconds: elapsed(t) }));
      } catch (e) {
        out.push(stageNotRun('backbone', 'not-run', DESCRIPTIONS.backbone, `the runtime failed: ${(e as Error).message}`, thresholds.backbone));
      }
    }

    // end to end from the audio file
    const upstreamCount = slices?.shape[0] ?? timeline?.shape[1];
    if (!loaded) {
      out.push(stageNotRun('timeline', 'not-run', DESCRIPTIONS.timeline, decodeError!, thresholds.timeline), stageNotRun('embedding', 'not-run', DESCRIPTIONS.embedding, decodeError!, thresholds.embedding));
      return out;
    }
    if (!timeline && !clip && upstreamCount !== 0) {
      for (const stage of ['timeline', 'embedding'] as const) out.push(stageNotRun(stage, 'not-requested', DESCRIPTIONS[stage], `the dump holds no ${stage === 'timeline' ? 'timeline.npy' : 'clip_embedding.npy'}`));
      return out;
    }
    const t = performance.now();
    progress('runtime: embed() end to end from the decoded audio');
    let e2e;
    try {
      e2e = await model.embed(loaded.waveform16k);
    } catch (e) {
      const why = `the runtime embed failed: ${(e as Error).message}`;
      out.push(stageNotRun('timeline', 'not-run', DESCRIPTIONS.timeline, why, thresholds.timeline), stageNotRun('embedding', 'not-run', DESCRIPTIONS.embedding, why, thresholds.embedding));
      return out;
    }
    const seconds = elapsed(t);
    if (upstreamCount === 0) {
      out.push(bothEmpty('timeline', e2e.sliceCount, thresholds.timeline));
      out.push({ ...bothEmpty('embedding', e2e.embedding ? 1 : 0, thresholds.embedding), candidateShape: e2e.embedding ? [e2e.embedding.length] : [0] });
      return out;
    }
    const problems = dump.centres && e2e.centres && dump.centres.join(',') !== e2e.centres.join(',') ? [`centres [${e2e.centres.join(', ')}] differ from upstream's [${dump.centres.join(', ')}]`] : [];
    if (!timeline) out.push(stageNotRun('timeline', 'not-requested', DESCRIPTIONS.timeline, 'the dump holds no timeline.npy'));
    else {
      // Upstream's timeline is (D, K); compared per slice, in the runtime's (K, D) layout.
      const [dim, k] = timeline.shape as [number, number];
      const rows = dim * k === e2e.timeline.length ? transpose(timeline.data, dim, k) : timeline.data;
      out.push(judgeArrays('timeline', { values: e2e.timeline, shape: [e2e.embeddingDim, e2e.sliceCount] }, { values: rows, shape: timeline.shape }, thresholds.timeline, { description: DESCRIPTIONS.timeline, rows: e2e.sliceCount, problems, seconds }));
    }
    if (!clip) out.push(stageNotRun('embedding', 'not-requested', DESCRIPTIONS.embedding, 'the dump holds no clip_embedding.npy'));
    else if (!e2e.embedding) out.push({ ...stageNotRun('embedding', 'not-run', DESCRIPTIONS.embedding, 'the runtime gave no clip embedding (no slice)', thresholds.embedding), status: 'fail' });
    else out.push(judgeArrays('embedding', { values: e2e.embedding, shape: [e2e.embedding.length] }, { values: clip.data, shape: clip.shape }, thresholds.embedding, { description: DESCRIPTIONS.embedding, seconds }));
  } finally {
    await model.close();
  }
  return out;
}
