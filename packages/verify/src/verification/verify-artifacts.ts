/**
 * One verification, as `mule verify` runs it: every input checked first (nothing is computed or
 * written when one is wrong: VerifyInputError), then the stage-by-stage comparison, then, only for
 * a run in which every requested stage ran, a verification record bound to the bytes it checked and
 * the reports. A run with a stage that did not run records nothing and leaves every file as it was.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PIPELINE_FILE_NAME, convertKerasFile, type ConvertPhase } from '@mule-ts/convert';
import {
  backboneFileName,
  MANIFEST_FILE_NAME,
  MODEL_CONFIG_FILE_NAME,
  MULE_FRONT_END,
  isMuleError,
  type ArtifactManifest,
  type BackbonePrecision,
  type FrontEndParams,
  type VerificationRecord,
} from '@mule-ts/core';
import { readManifest, readModelConfig, sha256File, verifyManifest } from '@mule-ts/runtime';
import type { ParityStage, StageThreshold } from '../compare/index.js';
import { readParityAudio, runParity, testSignalAudio, type CandidatePipeline, type ParityAudio, type ParityResult } from '../parity/index.js';
import { writeParityReport } from '../report/index.js';
import { createReferenceRunner, ReferencePythonNotFoundError, type ReferenceRunner, type RunnerName } from '../runners/index.js';
import { readUpstreamDump, runDumpParity, UpstreamDumpError, type UpstreamDump } from '../upstream-dump/index.js';
import { appendVerificationRecord, makeVerificationRecord } from './verification-record.js';
import { VerifyInputError } from './verify-input-error.js';

export interface VerifyRequest {
  /** Also verify the stages that run backbone.onnx (backbone, timeline, embedding). */
  onnx: boolean;
  /** Which backbone file the ONNX stages verify (default 'fp32': backbone.onnx; 'fp16': backbone-fp16.onnx). */
  precision?: BackbonePrecision;
  /** Verify pipeline.onnx (the whole pipeline in one file) instead of a backbone file; needs `onnx`. */
  pipelineOnnx?: boolean;
  /** The Keras file the reference evaluates; default: the manifest's recorded source, when it is there and unchanged. */
  keras?: string;
  /** Converted artifacts to verify; with only `keras`, it is converted into `<cwd>/artifacts/verify` first. */
  artifacts?: string;
  /** Audio to verify on (any format ffmpeg decodes, a WAV, or a 1-D .npy at 44.1 kHz); default: a generated test signal. */
  audio?: string;
  runner: RunnerName;
  thresholds: Record<ParityStage, StageThreshold>;
  /** Where parity.json and parity.md go (default: the artifacts directory, else `<cwd>/artifacts/verify`). */
  out?: string;
  /**
   * A dump of the genuine upstream pipeline (upstream_dump.py's manifest.json, or the goldens'
   * info.json) to compare with instead of the python reference; `audio` then defaults to the dump's
   * own copy of its audio, and no Keras file or runner is needed.
   */
  reference?: string;
  cwd?: string;
}

export interface VerifyHooks {
  onProgress?: (message: string) => void;
  /**
   * Writes the default model (the full-size generated fixture, seed 1) for `onnx` with neither
   * `keras` nor `artifacts`. The fixture writer is a private workspace package, so the repository's
   * script supplies it; without it, that request is an input error.
   */
  writeDefaultKeras?: (out: string) => Promise<void>;
  /** Test seams. */
  pipeline?: CandidatePipeline;
  createRunner?: (name: RunnerName) => ReferenceRunner;
}

export interface VerifyOutcome {
  result: ParityResult;
  /** The record written into the manifest; null when there are no artifacts or the run was incomplete. */
  record: VerificationRecord | null;
  manifestFile: string | null;
  reports: { json: string; markdown: string } | null;
  /** Why nothing was recorded, when nothing was. */
  notRecorded: string | null;
}

interface Plan {
  artifactsDir: string | null;
  keras: { path: string; origin: 'argument' | 'manifest' | 'generate' } | null;
  convertInto: string | null;
  audio: string | null;
  reportDir: string;
}

export async function verifyArtifacts(request: VerifyRequest, hooks: VerifyHooks = {}): Promise<VerifyOutcome> {
  const progress = hooks.onProgress ?? (() => undefined);
  if (request.pipelineOnnx && (!request.onnx || precisionOf(request) !== 'fp32')) {
    throw new VerifyInputError('pipeline.onnx is verified by the ONNX stages, in float32', 'give --onnx --pipeline without --precision');
  }
  if (request.reference !== undefined) return verifyAgainstDump(request, hooks, progress);
  const plan = await planVerification(request, hooks, progress);
  const runner = await openRunner(request, hooks);
  const cleanups: Array<() => Promise<void>> = [];
  try {
    let keras = plan.keras?.path ?? null;
    if (plan.keras?.origin === 'generate') {
      const temporary = await mkdtemp(join(tmpdir(), 'mule-verify-fixture-'));
      cleanups.push(() => rm(temporary, { recursive: true, force: true }));
      keras = join(temporary, 'mule-fixture-full-seed1.keras');
      progress('generating the full-size fixture (GENERATED SF-NFNet-F0, random weights, seed 1; not the real MULE model)');
      await hooks.writeDefaultKeras!(keras);
    }
    let artifactsDir = plan.artifactsDir;
    if (plan.convertInto) {
      artifactsDir = plan.convertInto;
      progress(`converting ${keras} -> ${artifactsDir}`);
      let phase: ConvertPhase | null = null;
      const summary = await convertKerasFile({
        keras: keras!,
        outDir: artifactsDir,
        onProgress: (p) => {
          if (p.phase !== phase) progress(`  convert: ${(phase = p.phase)}`);
        },
      });
      progress(`converted in ${summary.seconds.toFixed(1)} s: ${Object.keys(summary.files).join(', ')}`);
    }
    const frontEnd: FrontEndParams = artifactsDir ? await readModelConfig(join(artifactsDir, MODEL_CONFIG_FILE_NAME)) : MULE_FRONT_END;
    progress(artifactsDir ? `front-end parameters: ${join(artifactsDir, MODEL_CONFIG_FILE_NAME)}` : "front-end parameters: upstream MULE's (no artifacts)");
    // The bytes the record will bind: checked against the manifest before the run (planVerification,
    // or just written by the converter) and again after it, once, here.
    const covered = artifactsDir ? [MODEL_CONFIG_FILE_NAME, ...(request.onnx ? [onnxFileOf(request)] : [])] : [];

    const audio: ParityAudio = plan.audio ? await readParityAudio(plan.audio, frontEnd) : testSignalAudio();
    progress(`audio: ${audio.description}`);
    progress(`reference runner: ${runner.name} (${runner.description})`);
    const result = await runParity({
      audio,
      runner,
      thresholds: request.thresholds,
      frontEnd,
      onnx: request.onnx,
      ...(artifactsDir ? { artifactsDir } : {}),
      ...(keras ? { keras } : {}),
      ...(hooks.pipeline ? { pipeline: hooks.pipeline } : {}),
      precision: precisionOf(request),
      ...(request.pipelineOnnx ? { pipelineOnnx: true } : {}),
      onProgress: progress,
    });

    const source = request.onnx && keras && artifactsDir ? 'manifest' : null;
    return await recordOutcome(result, { artifactsDir, covered, source, reportDir: plan.reportDir }, progress);
  } finally {
    await runner.close();
    for (const cleanup of cleanups) await cleanup();
  }
}

const precisionOf = (request: VerifyRequest): BackbonePrecision => request.precision ?? 'fp32';
/** The ONNX file a request's model stages run. */
const onnxFileOf = (request: VerifyRequest): string => (request.pipelineOnnx ? PIPELINE_FILE_NAME : backboneFileName(precisionOf(request)));

interface RecordTarget {
  artifactsDir: string | null;
  /** The artifact files the record binds. */
  covered: string[];
  /** 'manifest': the record names the artifacts' source Keras file (the reference evaluated it, or upstream ran it). */
  source: 'manifest' | null;
  reportDir: string;
}

/**
 * After a run: nothing when a stage did not run; else the record (bound to the covered files'
 * bytes, re-checked now) and the reports.
 */
async function recordOutcome(result: ParityResult, target: RecordTarget, progress: (message: string) => void): Promise<VerifyOutcome> {
  const notRun = result.stages.filter((s) => s.status === 'not-run');
  if (notRun.length > 0) {
    return {
      result,
      record: null,
      manifestFile: null,
      reports: null,
      notRecorded: `${notRun.map((s) => s.stage).join(', ')} did not run; an incomplete run records nothing (manifest.json, parity.json and parity.md are as they were)`,
    };
  }
  let record: VerificationRecord | null = null;
  let manifestFile: string | null = null;
  let notRecorded: string | null = null;
  const { artifactsDir } = target;
  if (artifactsDir) {
    const after = await verifyManifest(artifactsDir, { files: target.covered }).catch((e: unknown) => {
      throw new Error(`the artifacts changed while they were verified, nothing recorded: ${(e as Error).message}`);
    });
    const files = Object.fromEntries(after.verified.map((v) => [v.name, v.sha256]));
    const source = target.source === 'manifest' ? { file: after.manifest.source.file, sha256: after.manifest.source.sha256 } : null;
    record = makeVerificationRecord(result, { files, source });
    manifestFile = await appendVerificationRecord(artifactsDir, record);
    progress(`recorded verification ${record.id} (${record.verdict}) in ${manifestFile}`);
  } else {
    notRecorded = 'no artifacts directory: the report is written, no verification record';
  }
  const reports = await writeParityReport(result, target.reportDir);
  progress(`wrote ${reports.json} and ${reports.markdown}`);
  return { result, record, manifestFile, reports, notRecorded };
}

/** verify --reference DIR: the runtime against a dump of the genuine upstream pipeline. */
async function verifyAgainstDump(request: VerifyRequest, hooks: VerifyHooks, progress: (message: string) => void): Promise<VerifyOutcome> {
  const cwd = request.cwd ?? process.cwd();
  if (request.keras !== undefined) {
    throw new VerifyInputError('--keras is not used with --reference: the dump holds the outputs of the model upstream ran', 'leave out --keras (the artifacts are checked against the dump), or drop --reference to verify against the python reference');
  }
  let dump: UpstreamDump;
  try {
    dump = await readUpstreamDump(resolve(cwd, request.reference!));
  } catch (e) {
    if (e instanceof UpstreamDumpError) throw new VerifyInputError(e.message, e.hint);
    throw e;
  }
  progress(`reference: ${dump.description}`);
  const audio = await dumpAudio(dump, request.audio === undefined ? null : resolve(cwd, request.audio), progress);
  if (request.onnx) {
    const { slices, embeddings, timeline, clip_embedding: clip } = dump.arrays;
    if ((slices?.shape[0] ?? 1) > 0 && !embeddings && !timeline && !clip) {
      throw new VerifyInputError(`${dump.dir} holds no model outputs (embeddings.npy, timeline.npy, clip_embedding.npy): a --no-model dump`, 'run verify without --onnx to compare the front-end, or dump again with the model');
    }
    if (request.artifacts === undefined) throw new VerifyInputError('--onnx with --reference needs the artifacts whose backbone.onnx to compare', 'give --artifacts DIR (written by mule convert)');
  }
  const artifactsDir = request.artifacts ? resolve(cwd, request.artifacts) : null;
  const manifest = artifactsDir ? await checkArtifacts(artifactsDir, request.onnx, onnxFileOf(request)) : null;
  if (request.onnx && manifest) {
    if (dump.model?.sha256 && dump.model.sha256 !== manifest.source.sha256) {
      throw new VerifyInputError(
        `${dump.descriptor}: upstream ran the model file with sha256 ${dump.model.sha256}, and ${artifactsDir} was converted from ${manifest.source.file} (sha256 ${manifest.source.sha256})`,
        'convert the model file the dump was made with (mule convert --keras FILE --out DIR), or dump with the model these artifacts come from',
      );
    }
  }
  const frontEnd: FrontEndParams = artifactsDir ? await readModelConfig(join(artifactsDir, MODEL_CONFIG_FILE_NAME)) : MULE_FRONT_END;
  progress(artifactsDir ? `front-end parameters: ${join(artifactsDir, MODEL_CONFIG_FILE_NAME)}` : "front-end parameters: upstream MULE's (no artifacts)");
  const result = await runDumpParity({
    dump,
    audio,
    thresholds: request.thresholds,
    frontEnd,
    onnx: request.onnx,
    ...(artifactsDir ? { artifactsDir } : {}),
    ...(hooks.pipeline ? { pipeline: hooks.pipeline } : {}),
    precision: precisionOf(request),
    ...(request.pipelineOnnx ? { pipelineOnnx: true } : {}),
    onProgress: progress,
  });
  if (request.onnx && !dump.model?.sha256) {
    result.notes.push('The dump records no sha256 of the model upstream ran: the artifacts are bound to it only through the numbers compared.');
  }
  const covered = artifactsDir ? [MODEL_CONFIG_FILE_NAME, ...(request.onnx ? [onnxFileOf(request)] : [])] : [];
  const reportDir = request.out ? resolve(cwd, request.out) : (artifactsDir ?? resolve(cwd, 'artifacts', 'verify'));
  return recordOutcome(result, { artifactsDir, covered, source: request.onnx && dump.model?.sha256 ? 'manifest' : null, reportDir }, progress);
}

/** The audio a dump was made from: --audio, else the dump's own copy; its sha256 must be the dump's. */
async function dumpAudio(dump: UpstreamDump, given: string | null, progress: (message: string) => void): Promise<string> {
  const audio = given ?? dump.audio.path;
  if (!audio) {
    throw new VerifyInputError(
      `${dump.dir} does not hold the audio it was made from${dump.audio.name ? ` (${dump.audio.name})` : ''}`,
      'give it with --audio FILE (the same file upstream_dump.py was run on)',
    );
  }
  if (given) await mustBeFile(given, '--audio', 'give the audio file the dump was made from');
  if (dump.audio.sha256) {
    const sha256 = await sha256File(audio);
    if (sha256 !== dump.audio.sha256) {
      throw new VerifyInputError(`${audio} (sha256 ${sha256}) is not the audio ${dump.descriptor} was made from (sha256 ${dump.audio.sha256})`, 'give the audio file the dump was made from with --audio FILE');
    }
    progress(`audio: ${audio} (sha256 matches the dump's)`);
  } else {
    progress(`audio: ${audio} (the dump records no sha256 of its audio: not checked)`);
  }
  return audio;
}

/** Every input checked before anything runs; throws VerifyInputError naming what is wrong. */
async function planVerification(request: VerifyRequest, hooks: VerifyHooks, progress: (message: string) => void): Promise<Plan> {
  const cwd = request.cwd ?? process.cwd();
  const audio = request.audio ? resolve(cwd, request.audio) : null;
  if (audio) await mustBeFile(audio, '--audio', 'give an audio file ffmpeg can decode, a WAV, or a 1-D .npy waveform');

  const artifactsDir = request.artifacts ? resolve(cwd, request.artifacts) : null;
  const manifest = artifactsDir ? await checkArtifacts(artifactsDir, request.onnx, onnxFileOf(request)) : null;

  let keras: Plan['keras'] = null;
  if (request.keras) {
    const path = resolve(cwd, request.keras);
    await mustBeFile(path, '--keras', 'give the Keras file the artifacts were converted from');
    keras = { path, origin: 'argument' };
    if (manifest) {
      progress(`checking that ${path} is the source of ${artifactsDir}`);
      const sha256 = await sha256File(path);
      if (sha256 !== manifest.source.sha256) {
        throw new VerifyInputError(
          `--keras ${path} (sha256 ${sha256}) is not the file ${artifactsDir} was converted from (${manifest.source.file}, sha256 ${manifest.source.sha256})`,
          'give the Keras file these artifacts were converted from, or convert this one: mule convert --keras FILE --out DIR',
        );
      }
    }
  } else if (request.onnx && manifest && artifactsDir) {
    keras = await recordedSource(artifactsDir, manifest, progress);
  } else if (request.onnx) {
    if (!hooks.writeDefaultKeras) throw new VerifyInputError('--onnx needs a Keras file for the reference', 'give --keras FILE (and --artifacts DIR converted from it)');
    keras = { path: '', origin: 'generate' };
  }
  const convertInto = keras && !artifactsDir ? resolve(cwd, 'artifacts', 'verify') : null;
  const reportDir = request.out ? resolve(cwd, request.out) : (artifactsDir ?? convertInto ?? resolve(cwd, 'artifacts', 'verify'));
  return { artifactsDir, keras, convertInto, audio, reportDir };
}

async function openRunner(request: VerifyRequest, hooks: VerifyHooks): Promise<ReferenceRunner> {
  let runner: ReferenceRunner;
  try {
    runner = hooks.createRunner ? hooks.createRunner(request.runner) : createReferenceRunner(request.runner);
  } catch (e) {
    if (e instanceof ReferencePythonNotFoundError) {
      throw new VerifyInputError(e.message, 'install python3 with numpy and h5py (Debian: apt-get install python3-numpy python3-h5py) or set MULE_PYTHON');
    }
    throw e;
  }
  const needs = request.onnx ? 'embed' : 'mel';
  const unavailable = await runner.unavailableReason(needs);
  if (unavailable) {
    await runner.close();
    throw new VerifyInputError(`the ${runner.name} reference cannot run the ${needs} stage: ${unavailable}`, 'choose another --runner (python needs numpy and h5py)');
  }
  return runner;
}

async function mustBeFile(path: string, flag: string, hint: string): Promise<void> {
  try {
    if ((await stat(path)).isFile()) return;
  } catch {
    throw new VerifyInputError(`${flag} ${path}: no such file`, hint);
  }
  throw new VerifyInputError(`${flag} ${path}: not a file`, hint);
}

/** The artifacts must be a converted model whose files match their manifest. */
async function checkArtifacts(dir: string, onnx: boolean, onnxFile: string): Promise<ArtifactManifest> {
  const hint = 'point --artifacts at a directory written by mule convert (it holds manifest.json, config.json, backbone.onnx)';
  if (!existsSync(dir)) throw new VerifyInputError(`--artifacts ${dir}: no such directory`, hint);
  try {
    const manifest = await readManifest(dir);
    const needed = [MODEL_CONFIG_FILE_NAME, ...(onnx ? [onnxFile] : [])];
    const missing = needed.filter((n) => !Object.prototype.hasOwnProperty.call(manifest.files, n));
    if (missing.length > 0) {
      const variant = onnxFile === PIPELINE_FILE_NAME ? 'pipeline' : onnxFile.replace(/^backbone-(.*)\.onnx$/, '$1');
      const convert = onnxFile === backboneFileName('fp32') ? 'convert the Keras file again without --no-onnx (mule convert --keras FILE --out DIR)' : `convert the Keras file again with the variant (mule convert --keras FILE --out DIR --variants ${variant})`;
      throw new VerifyInputError(`${join(dir, MANIFEST_FILE_NAME)} lists no ${missing.join(' or ')}`, convert);
    }
    await readModelConfig(join(dir, MODEL_CONFIG_FILE_NAME));
    await verifyManifest(dir, { files: needed });
    return manifest;
  } catch (e) {
    if (isMuleError(e)) throw new VerifyInputError(e.message, e.details.hint ?? hint);
    throw e;
  }
}

/** Without --keras: the manifest's recorded source, when that file is there and unchanged. */
async function recordedSource(dir: string, manifest: ArtifactManifest, progress: (message: string) => void): Promise<NonNullable<Plan['keras']>> {
  const hint = 'give the Keras file these artifacts were converted from: --keras FILE';
  const recorded = manifest.source.path;
  if (!recorded) throw new VerifyInputError(`${join(dir, MANIFEST_FILE_NAME)} records no path for its source ${manifest.source.file}`, hint);
  const path = resolve(dir, recorded);
  if (!existsSync(path)) throw new VerifyInputError(`the recorded source of ${dir}, ${path}, is not there (moved or deleted)`, hint);
  progress(`Keras file: ${path} (recorded in the manifest); checking its sha256`);
  const sha256 = await sha256File(path);
  if (sha256 !== manifest.source.sha256) {
    throw new VerifyInputError(`the recorded source of ${dir}, ${path}, changed since conversion (sha256 ${sha256}, recorded ${manifest.source.sha256})`, hint);
  }
  return { path, origin: 'manifest' };
}
