/**
 * Runs the stage-by-stage comparison: the reference pipeline (through a runner) against the
 * runtime, stage by stage, each stage fed so that a fault shows at the stage that has it.
 *
 * - waveform: runtime resampleForModel vs the reference's float64 `resample` of the same decoded mono
 *   signal (44.1 kHz for the test signal and anything ffmpeg decodes).
 * - mel: runtime log-mel vs the reference's, both fed the reference's 16 kHz waveform (as float32).
 * - slices: runtime slicer on the runtime's mel vs the reference's slices; centres must match exactly.
 * - backbone (--onnx): the runtime backbone (backbone.onnx) fed the reference's slices vs the
 *   reference model on the same slices: per-slice cosine and max-abs.
 * - timeline, embedding (--onnx): runtime embed() end to end vs the reference's embed.
 */
import type { BackbonePrecision, FrontEndParams, LogMelSpectrogram, UpstreamDumpRecord } from '@mule-ts/core';
import type { ParityStage, StageThreshold } from '../compare/index.js';
import { toNumbers, type NDArray } from '../npy/index.js';
import type { ReferenceManifest, ReferenceRunner } from '../runners/index.js';
import { RUNTIME_PIPELINE, type CandidateModel, type CandidatePipeline } from './candidate-pipeline.js';
import { candidateFileName, loadCandidateModel } from './candidate-model.js';
import { judgeArrays, stageNotRun } from './judge-stage.js';
import type { ParityAudio } from './read-audio.js';
import { ONNX_STAGES, STAGE_ORDER, type StageResult } from './stage-result.js';

export interface ParityOptions {
  audio: ParityAudio;
  runner: ReferenceRunner;
  thresholds: Record<ParityStage, StageThreshold>;
  /** Every front-end parameter the candidate runs with: the artifacts' config.json (upstream's when there are no artifacts). */
  frontEnd: FrontEndParams;
  /** Also verify the stages that need backbone.onnx (backbone, timeline, embedding). */
  onnx: boolean;
  /** The converted artifacts (needed with onnx). */
  artifactsDir?: string;
  /** The Keras file the reference evaluates (needed with onnx). */
  keras?: string;
  /** Slices per reference model batch. */
  referenceBatch?: number;
  /** Default: the runtime. Tests substitute a broken one. */
  pipeline?: CandidatePipeline;
  /** Which backbone file the ONNX stages run (default 'fp32': backbone.onnx). */
  precision?: BackbonePrecision;
  /** Run pipeline.onnx (waveform in) instead of a backbone file: timeline and embedding end to end. */
  pipelineOnnx?: boolean;
  onProgress?: (message: string) => void;
}

export interface ParityResult {
  verdict: 'pass' | 'fail';
  createdAt: string;
  onnx: boolean;
  audio: { description: string; source: string; samples: number; sampleRate: number };
  reference: { runner: string; description: string; manifests: ReferenceManifest[] };
  candidate: string;
  /** The backbone precision the ONNX stages ran (fp32: backbone.onnx). */
  precision: BackbonePrecision;
  /** The ONNX stages ran pipeline.onnx (the whole pipeline in one file) instead of a backbone file. */
  pipelineOnnx?: boolean;
  artifactsDir: string | null;
  keras: string | null;
  stages: StageResult[];
  notes: string[];
  seconds: number;
  /** Set when the reference was a dump of the genuine upstream pipeline (verify --reference). */
  upstreamDump?: UpstreamDumpRecord;
}

interface ReferenceArrays {
  mel?: NDArray;
  centres?: NDArray;
  slices?: NDArray;
  embeddings?: NDArray;
  timeline?: NDArray;
  clip_embedding?: NDArray;
}

const DESCRIPTIONS: Record<ParityStage, string> = {
  decoding: 'not compared against the python reference (see the notes)',
  waveform: 'runtime resampleForModel (float32, as the runtime runs) vs reference resample (float64) of the same decoded mono signal',
  mel: "runtime logMelSpectrogram vs reference log-mel (96 x frames), both of the reference's 16 kHz waveform",
  slices: "runtime extractSlices on the runtime's mel vs reference slices (K x 96 x 300); centres exact",
  backbone: "the backbone file (backbone.onnx, or the --precision one) fed the reference's slices vs the reference model (K x D, per-slice cosine)",
  timeline: 'runtime embed() end to end vs reference embed: timeline (D x K, per-slice cosine)',
  embedding: 'runtime embed() end to end vs reference embed: clip embedding (D)',
  onnx: 'the ONNX artifact',
};

function elapsed(since: number): number {
  return (performance.now() - since) / 1000;
}

/** (rows, cols) row-major -> (cols, rows): upstream's (D, K) timelines against the runtime's (K, D). */
export function transpose(values: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}

/** pipeline.onnx has no backbone input of its own. */
export const PIPELINE_ONLY = 'pipeline.onnx takes a waveform: the backbone inside it is judged end to end (timeline, embedding)';

export function parityVerdict(stages: readonly StageResult[]): 'pass' | 'fail' {
  const judged = stages.filter((s) => s.status !== 'not-requested');
  return judged.length > 0 && judged.every((s) => s.status === 'pass') ? 'pass' : 'fail';
}

export async function runParity(options: ParityOptions): Promise<ParityResult> {
  const started = performance.now();
  const pipeline = options.pipeline ?? RUNTIME_PIPELINE;
  const { runner, thresholds, audio } = options;
  const progress = options.onProgress ?? (() => {});
  const manifests: ReferenceManifest[] = [];
  const notes: string[] = [...audio.notes];
  const results = new Map<ParityStage, StageResult>();

  const waveform = await runWaveformStage(options, pipeline, manifests, results, progress);
  const sharedNote = {
    reference: "mel and every later stage are fed the reference's 16 kHz waveform (float64, rounded to float32) on both sides.",
    runtime: "the reference did not resample, so mel and every later stage are fed the runtime's 16 kHz waveform on both sides.",
  };
  if (waveform) notes.push(`Waveform: both sides resample the same ${audio.sampleRate} Hz mono signal; ${sharedNote[waveform.from]}`);
  const noWaveform = 'no 16 kHz waveform: neither side resampled the audio (see waveform)';
  const waveformArray: NDArray | null = waveform ? { data: waveform.samples, shape: [waveform.samples.length] } : null;

  // The reference: one `embed` run gives every stage's arrays; without --onnx, mel then slices.
  const reference: ReferenceArrays = {};
  let onnxBlocker: string | null = null;
  if (options.onnx) {
    onnxBlocker =
      (!waveformArray ? noWaveform : null) ??
      (!options.keras ? 'no Keras file: the reference needs it to evaluate the backbone (--keras FILE)' : null) ??
      (!options.artifactsDir ? 'no artifacts directory to load backbone.onnx from' : null) ??
      (await runner.unavailableReason('embed'));
    if (!onnxBlocker) {
      progress(`reference (${runner.name}): embed (log-mel, slices, float64 model) on ${(waveformArray!.shape[0]! / 16_000).toFixed(2)} s of audio`);
      const t = performance.now();
      try {
        const r = await runner.run('embed', { waveform: waveformArray! }, { keras: options.keras!, ...(options.referenceBatch ? { batch: options.referenceBatch } : {}) });
        manifests.push(r.manifest);
        Object.assign(reference, r.arrays);
        progress(`reference embed done in ${elapsed(t).toFixed(1)} s`);
      } catch (error) {
        onnxBlocker = `the reference embed failed: ${(error as Error).message}`;
      }
    }
  }
  let frontEndBlocker: string | null = waveformArray ? null : noWaveform;
  if (!reference.mel && waveformArray) {
    try {
      progress(`reference (${runner.name}): mel, slices`);
      const mel = await runner.run('mel', { waveform: waveformArray });
      manifests.push(mel.manifest);
      reference.mel = mel.arrays.mel;
      const slices = await runner.run('slices', { mel: mel.arrays.mel! });
      manifests.push(slices.manifest);
      reference.centres = slices.arrays.centres;
      reference.slices = slices.arrays.slices;
    } catch (error) {
      frontEndBlocker = (error as Error).message;
    }
  }

  // mel
  let candidateMel: LogMelSpectrogram | null = null;
  if (!reference.mel) {
    results.set('mel', stageNotRun('mel', 'not-run', DESCRIPTIONS.mel, frontEndBlocker ?? 'the reference wrote no mel', thresholds.mel));
  } else {
    const t = performance.now();
    try {
      candidateMel = pipeline.logMel(waveform!.samples, options.frontEnd);
      results.set(
        'mel',
        judgeArrays('mel', { values: candidateMel.data, shape: [candidateMel.nMels, candidateMel.frames] }, { values: toNumbers(reference.mel), shape: reference.mel.shape }, thresholds.mel, {
          description: DESCRIPTIONS.mel,
          rows: candidateMel.nMels,
          seconds: elapsed(t),
        }),
      );
    } catch (error) {
      results.set('mel', stageNotRun('mel', 'not-run', DESCRIPTIONS.mel, `the runtime failed: ${(error as Error).message}`, thresholds.mel));
    }
  }

  // slices
  if (!reference.slices || !reference.centres || !candidateMel) {
    const why = !candidateMel ? 'no runtime log-mel to slice (see mel)' : frontEndBlocker ?? 'the reference wrote no slices';
    results.set('slices', stageNotRun('slices', 'not-run', DESCRIPTIONS.slices, why, thresholds.slices));
  } else {
    const t = performance.now();
    try {
      const sliced = pipeline.extractSlices(candidateMel, options.frontEnd);
      const refCentres = Array.from(toNumbers(reference.centres));
      const problems: string[] = [];
      if (refCentres.join(',') !== sliced.centres.join(',')) problems.push(`centres [${sliced.centres.join(', ')}] differ from the reference's [${refCentres.join(', ')}]`);
      const widths = new Set(sliced.widths);
      if (widths.size > 1) problems.push(`slices of different widths ${[...widths].join(', ')}`);
      const width = sliced.widths[0] ?? 0;
      results.set(
        'slices',
        judgeArrays('slices', { values: sliced.data, shape: [sliced.slices.length, sliced.nMels, width] }, { values: toNumbers(reference.slices), shape: reference.slices.shape }, thresholds.slices, {
          description: DESCRIPTIONS.slices,
          rows: sliced.slices.length,
          problems,
          seconds: elapsed(t),
        }),
      );
    } catch (error) {
      results.set('slices', stageNotRun('slices', 'not-run', DESCRIPTIONS.slices, `the runtime failed: ${(error as Error).message}`, thresholds.slices));
    }
  }

  // backbone, timeline, embedding
  if (!options.onnx) {
    for (const stage of ONNX_STAGES) {
      results.set(stage, stageNotRun(stage, 'not-requested', DESCRIPTIONS[stage], 'needs backbone.onnx: run with --onnx'));
    }
    notes.push('Front-end only: backbone, timeline and embedding run with --onnx (the runtime backbone is backbone.onnx).');
  } else {
    const stages = await runOnnxStages(options, pipeline, waveform?.samples ?? null, reference, onnxBlocker, progress);
    for (const r of stages) results.set(r.stage, r);
  }

  const stages = STAGE_ORDER.map((s) => results.get(s)!);
  return {
    verdict: parityVerdict(stages),
    createdAt: new Date().toISOString(),
    onnx: options.onnx,
    audio: { description: audio.description, source: audio.source, samples: audio.samples.length, sampleRate: audio.sampleRate },
    reference: { runner: runner.name, description: runner.description, manifests },
    candidate: pipeline.description,
    precision: options.precision ?? 'fp32',
    ...(options.pipelineOnnx ? { pipelineOnnx: true } : {}),
    artifactsDir: options.artifactsDir ?? null,
    keras: options.keras ?? null,
    stages,
    notes,
    seconds: elapsed(started),
  };
}

interface SharedWaveform {
  /** 16 kHz, fed to mel and every later stage on both sides. */
  samples: Float32Array;
  from: 'reference' | 'runtime';
}

/**
 * The waveform stage: both sides resample the same decoded signal. Returns the 16 kHz waveform the
 * later stages share: the reference's, else (the reference failed) the runtime's, else null.
 */
async function runWaveformStage(
  options: ParityOptions,
  pipeline: CandidatePipeline,
  manifests: ReferenceManifest[],
  results: Map<ParityStage, StageResult>,
  progress: (message: string) => void,
): Promise<SharedWaveform | null> {
  const { runner, thresholds, audio } = options;
  const { samples, sampleRate } = audio;
  const threshold = thresholds.waveform;
  let reference: NDArray | null = null;
  let blocker: string | null = null;
  progress(`reference (${runner.name}): resample ${(samples.length / sampleRate).toFixed(2)} s at ${sampleRate} Hz to 16 kHz (float64)`);
  try {
    const r = await runner.run('resample', { waveform: { data: samples, shape: [samples.length] } }, { sampleRate, dtype: 'float64' });
    manifests.push(r.manifest);
    reference = r.arrays.waveform_16k ?? null;
    if (!reference) blocker = 'the reference wrote no waveform_16k';
  } catch (error) {
    blocker = (error as Error).message;
  }
  let candidate: Float32Array | null = null;
  const t = performance.now();
  try {
    progress('runtime: resampleForModel');
    candidate = pipeline.resample(samples, sampleRate, options.frontEnd);
  } catch (error) {
    blocker ??= `the runtime failed: ${(error as Error).message}`;
  }
  const seconds = elapsed(t);
  if (!reference || !candidate) {
    results.set('waveform', stageNotRun('waveform', 'not-run', DESCRIPTIONS.waveform, blocker ?? 'the runtime failed', threshold));
  } else {
    results.set(
      'waveform',
      judgeArrays('waveform', { values: candidate, shape: [candidate.length] }, { values: toNumbers(reference), shape: reference.shape }, threshold, {
        description: DESCRIPTIONS.waveform,
        seconds,
      }),
    );
  }
  if (reference) return { samples: Float32Array.from(toNumbers(reference)), from: 'reference' };
  return candidate ? { samples: candidate, from: 'runtime' } : null;
}

async function runOnnxStages(
  options: ParityOptions,
  pipeline: CandidatePipeline,
  waveform16k: Float32Array | null,
  reference: ReferenceArrays,
  blocker: string | null,
  progress: (message: string) => void,
): Promise<StageResult[]> {
  const { thresholds } = options;
  const notRun = (why: string): StageResult[] => [...ONNX_STAGES].map((s) => stageNotRun(s, 'not-run', DESCRIPTIONS[s], why, thresholds[s]));
  if (blocker || !waveform16k) return notRun(blocker ?? 'no 16 kHz waveform (see waveform)');
  const { slices, embeddings, timeline, clip_embedding: clip, centres } = reference;
  if (!slices || !embeddings || !timeline || !clip || !centres) return notRun('the reference embed wrote no slices/embeddings/timeline/clip_embedding');
  let model: CandidateModel;
  try {
    progress(`runtime: loading ${options.artifactsDir} (${candidateFileName(options)})`);
    model = await loadCandidateModel(pipeline, options.artifactsDir!, options);
  } catch (error) {
    return notRun(`cannot load the runtime model: ${(error as Error).message}`);
  }
  const out: StageResult[] = [];
  try {
    const [count, , width] = slices.shape as [number, number, number];
    let t = performance.now();
    progress(`runtime: ${candidateFileName(options)} on the reference's ${count} slices`);
    if (!model.embedSlices) {
      out.push(stageNotRun('backbone', 'not-requested', DESCRIPTIONS.backbone, PIPELINE_ONLY));
    } else {
      try {
        const y = await model.embedSlices(Float32Array.from(toNumbers(slices)), count, width);
        out.push(
          judgeArrays('backbone', { values: y, shape: [count, model.embeddingDim] }, { values: toNumbers(embeddings), shape: embeddings.shape }, thresholds.backbone, {
            description: DESCRIPTIONS.backbone,
            rows: count,
            seconds: elapsed(t),
          }),
        );
      } catch (error) {
        out.push(stageNotRun('backbone', 'not-run', DESCRIPTIONS.backbone, `the runtime failed: ${(error as Error).message}`, thresholds.backbone));
      }
    }

    t = performance.now();
    progress('runtime: embed() end to end');
    let e2e;
    try {
      e2e = await model.embed(waveform16k);
    } catch (error) {
      const why = `the runtime embed failed: ${(error as Error).message}`;
      out.push(stageNotRun('timeline', 'not-run', DESCRIPTIONS.timeline, why, thresholds.timeline));
      out.push(stageNotRun('embedding', 'not-run', DESCRIPTIONS.embedding, why, thresholds.embedding));
      return out;
    }
    const seconds = elapsed(t);
    const refCentres = Array.from(toNumbers(centres));
    const problems = e2e.centres === null || refCentres.join(',') === e2e.centres.join(',') ? [] : [`centres [${e2e.centres.join(', ')}] differ from the reference's [${refCentres.join(', ')}]`];
    // Timelines are (D, K) upstream; compare per slice, i.e. in (K, D) layout.
    const [refDim, refCount] = timeline.shape as [number, number];
    const referenceRows = refDim * refCount === e2e.timeline.length ? transpose(toNumbers(timeline), refDim, refCount) : toNumbers(timeline);
    out.push(
      judgeArrays(
        'timeline',
        { values: e2e.timeline, shape: [e2e.embeddingDim, e2e.sliceCount] },
        { values: referenceRows, shape: timeline.shape },
        thresholds.timeline,
        { description: DESCRIPTIONS.timeline, rows: e2e.sliceCount, problems, seconds },
      ),
    );
    out.push(
      e2e.embedding
        ? judgeArrays('embedding', { values: e2e.embedding, shape: [e2e.embedding.length] }, { values: toNumbers(clip), shape: clip.shape }, thresholds.embedding, {
            description: DESCRIPTIONS.embedding,
            seconds,
          })
        : { ...stageNotRun('embedding', 'not-run', DESCRIPTIONS.embedding, 'the runtime gave no clip embedding (no slice)', thresholds.embedding), status: 'fail' },
    );
  } finally {
    await model.close();
  }
  return out;
}
