/**
 * `mule verify [--onnx] [--keras FILE] [--artifacts DIR] [--audio FILE] [--runner python|uv|pyodide]
 * [--thresholds FILE.json] [--out DIR]`: stage-by-stage parity of the runtime against the
 * independent reference; a complete run records its result in the artifacts' manifest.json.
 */
import { readFile } from 'node:fs/promises';
import { BACKBONE_PRECISIONS, type BackbonePrecision } from '@mule-ts/core';
import { resolve } from 'node:path';
import { closingSummary, renderParityTable, resolveThresholds, RUNNER_NAMES, verifyArtifacts, type VerifyHooks } from '@mule-ts/verify';
import { choiceFlag, parseCommandArgs } from '../args/parse-command-args.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';

export const VERIFY_USAGE = `Usage: mule verify [--onnx] [--artifacts DIR] [--keras FILE] [--audio FILE]
                   [--runner python|uv|pyodide] [--thresholds FILE.json] [--out DIR]
                   [--precision fp32|fp16|int8 | --pipeline]
       mule verify --reference DUMP [--onnx --artifacts DIR] [--audio FILE] [--out DIR]

Compares the mule-ts runtime, run with the artifacts' config.json, with the independent float64
reference, stage by stage: waveform (the decoded audio resampled to 16 kHz), mel and slices always;
with --onnx also backbone (backbone.onnx fed the reference's slices), timeline and clip embedding
(end to end). A run in which every requested stage ran appends a verification record to the
artifacts' manifest.json, bound to the sha256 of every file it checked and of the Keras file;
mule embed runs only artifacts whose config.json and backbone.onnx have a passing record.
Every input is checked first: a problem stops verify before anything is computed or written.

With --reference DUMP it compares with the genuine upstream pipeline instead: a directory written by
upstream_dump.py (or laid out like the upstream goldens, info.json + .npy). Decoding (exactly),
waveform, mel and slices, each fed upstream's output of the stage before; with --onnx also backbone
(backbone.onnx on upstream's slices) and timeline and clip embedding (the runtime end to end from
the audio file). Stages the dump holds no array for are not compared. The record names the dump
(sha256 of its manifest.json or info.json, the upstream versions it lists).

  --onnx              also verify the stages that run backbone.onnx
  --artifacts DIR     converted artifacts to verify (their manifest.json gets the record)
  --keras FILE        the Keras model the reference evaluates; default: the source recorded in
                      the manifest, if it is still there and unchanged. Without --artifacts, it is
                      converted into ./artifacts/verify first
  --audio FILE        any audio ffmpeg decodes (without ffmpeg, .wav only, at its own rate), or a
                      1-D .npy mono waveform taken as 44.1 kHz (default: a generated music-like
                      test signal, 7 s stereo 16-bit 44.1 kHz, seed 1)
  --runner NAME       python (default: MULE_PYTHON, else uv, else a python3 with numpy+h5py),
                      uv, or pyodide (resample, mel and slices only; resample is slow there)
  --thresholds FILE   JSON {"stage": {"minCosine": x, "maxAbs": y}} overriding the defaults
  --out DIR           where parity.json and parity.md go (default: the artifacts directory,
                      else ./artifacts/verify)
  --pipeline          verify pipeline.onnx (mule convert --variants pipeline: the whole pipeline in
                      one file) instead of a backbone file: implies --onnx; its timeline and clip
                      embedding are judged end to end with the fp32 thresholds
  --precision P       the backbone file the ONNX stages verify: fp32 (backbone.onnx, default),
                      fp16 (backbone-fp16.onnx; per-slice cosine >= 0.99999, max-rel <= 5e-3) or
                      int8 (backbone-int8.onnx; per-slice cosine >= 0.9995, clip >= 0.9999);
                      the record covers that file
  --reference DUMP    compare with a dump of the genuine upstream pipeline; --audio defaults
                      to the dump's copy of its audio (its sha256 must match the dump's)

Exit 0: every requested stage passed (and was recorded); 1: a stage failed (recorded), or did not
run (nothing recorded); 2: a usage or input problem (nothing computed or written).
`;

const FLAGS = {
  onnx: { type: 'boolean' },
  keras: { type: 'string' },
  artifacts: { type: 'string' },
  audio: { type: 'string' },
  runner: { type: 'string' },
  thresholds: { type: 'string' },
  out: { type: 'string' },
  reference: { type: 'string' },
  precision: { type: 'string' },
  pipeline: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function loadThresholds(file: string | undefined, cwd: string, precision: BackbonePrecision) {
  if (!file) return resolveThresholds({}, precision);
  let overrides: unknown;
  try {
    overrides = JSON.parse(await readFile(resolve(cwd, file), 'utf8'));
  } catch (e) {
    throw new UsageError(`--thresholds ${file}: ${(e as Error).message}`, 'verify');
  }
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) throw new UsageError(`--thresholds ${file}: want a JSON object of stages`, 'verify');
  try {
    return resolveThresholds(overrides as Record<string, Record<string, number>>, precision);
  } catch (e) {
    throw new UsageError(`--thresholds ${file}: ${(e as Error).message}`, 'verify');
  }
}

export async function runVerifyCommand(args: readonly string[], io: CliIo, cwd: string, hooks: VerifyHooks = {}): Promise<number> {
  const { values, positionals } = parseCommandArgs('verify', args, FLAGS);
  if (values.help) {
    io.stdout.write(VERIFY_USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`, 'verify');
  if (values.reference !== undefined && values.runner !== undefined) throw new UsageError('--runner is not used with --reference: the dump is the reference', 'verify');
  const runner = choiceFlag(values.runner ?? 'python', '--runner', RUNNER_NAMES, 'verify');
  const precision = choiceFlag(values.precision ?? 'fp32', '--precision', BACKBONE_PRECISIONS, 'verify');
  const thresholds = await loadThresholds(values.thresholds, cwd, precision);
  const started = performance.now();
  const say = (line: string): void => {
    io.stderr.write(`verify [${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
  };
  const outcome = await verifyArtifacts(
    {
      onnx: values.onnx === true || values.pipeline === true,
      ...(values.pipeline === true ? { pipelineOnnx: true } : {}),
      runner,
      thresholds,
      cwd,
      ...(values.keras !== undefined ? { keras: values.keras } : {}),
      ...(values.artifacts !== undefined ? { artifacts: values.artifacts } : {}),
      ...(values.audio !== undefined ? { audio: values.audio } : {}),
      ...(values.out !== undefined ? { out: values.out } : {}),
      ...(values.reference !== undefined ? { reference: values.reference } : {}),
      precision,
    },
    { ...hooks, onProgress: say },
  );
  io.stdout.write(`\n${renderParityTable(outcome.result, { color: io.stdout.isTTY === true })}\n`);
  io.stdout.write(`${closingSummary(outcome.result)}\n`);
  if (outcome.record) io.stdout.write(`recorded: verification ${outcome.record.id} (${outcome.record.verdict}) in ${outcome.manifestFile}\n`);
  if (outcome.notRecorded) io.stdout.write(`not recorded: ${outcome.notRecorded}\n`);
  const complete = outcome.result.stages.every((s) => s.status !== 'not-run');
  return outcome.result.verdict === 'pass' && complete ? EXIT_OK : EXIT_FAILURE;
}
