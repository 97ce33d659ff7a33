/**
 * `pnpm verify [--onnx] [--keras FILE] [--artifacts DIR] [--audio FILE] [--runner python|uv|pyodide]
 * [--thresholds FILE.json] [--out DIR]`: stage-by-stage parity of the runtime against the reference.
 * Returns the exit code: 0 every requested stage passed, 1 a stage failed or did not run (or an
 * error), 2 a usage error.
 */
import { isMuleError, MANIFEST_FILE_NAME } from '@mule-ts/core';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { convertKerasFile, type ConvertPhase } from '@mule-ts/convert';
import { resolveThresholds } from '../compare/index.js';
import { readParityAudio, runParity, testSignalAudio, type CandidatePipeline, type ParityResult } from '../parity/index.js';
import { recordParityInManifest, renderParityTable, writeParityReport } from '../report/index.js';
import { createReferenceRunner, ReferencePythonNotFoundError, RUNNER_NAMES, type ReferenceRunner, type RunnerName } from '../runners/index.js';
import { formatMargin } from '../report/format.js';

export const VERIFY_USAGE = `Usage:
  pnpm verify [--onnx] [--keras FILE] [--artifacts DIR] [--audio FILE]
              [--runner python|uv|pyodide] [--thresholds FILE.json] [--out DIR]

  Compares the mule-ts runtime with the independent Python reference, stage by stage:
  waveform (the decoded audio resampled to 16 kHz), mel and slices always; with --onnx also
  backbone (backbone.onnx fed the reference's slices), timeline and clip embedding (end to end).
  Exit 1 if any requested stage fails or does not run.

  --onnx              also verify the stages that run backbone.onnx (needs --keras for the reference)
  --keras FILE        the Keras model the reference evaluates; converted into artifacts/verify/
                      unless --artifacts is given
  --artifacts DIR     converted artifacts to verify (manifest.json gets the result)
                      with neither: --onnx generates the full-size fixture (seed 1) and converts it;
                      without --onnx no model is needed
  --audio FILE        any audio ffmpeg decodes (to 44.1 kHz; without ffmpeg, .wav only, at
                      its own rate), or a 1-D .npy mono waveform taken as 44.1 kHz (default:
                      a generated music-like test signal, 7 s stereo 16-bit 44.1 kHz, seed 1)
  --runner NAME       python (default: MULE_PYTHON, else uv, else a python3 with numpy+h5py),
                      uv, or pyodide (resample, mel and slices only; resample is slow there)
  --thresholds FILE   JSON {"stage": {"minCosine": x, "maxAbs": y}} overriding the defaults
  --out DIR           where parity.json and parity.md go (default: the artifacts directory,
                      else artifacts/verify)
`;

export interface VerifyCliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

export interface VerifyCliOptions {
  io?: VerifyCliIo;
  /** Base of relative defaults (artifacts/verify); default process.cwd(). */
  cwd?: string;
  /**
   * Writes the default model (the full-size generated fixture, seed 1) to `out`. The fixture
   * writer is a private workspace package, so the repository's script supplies it; without it,
   * --onnx needs --keras or --artifacts.
   */
  writeDefaultKeras?: (out: string) => Promise<void>;
  /** Test seams. */
  pipeline?: CandidatePipeline;
  createRunner?: (name: RunnerName) => ReferenceRunner;
}

class UsageError extends Error {}

interface ParsedArgs {
  onnx: boolean;
  keras?: string;
  artifacts?: string;
  audio?: string;
  runner: RunnerName;
  thresholds?: string;
  out?: string;
  help: boolean;
}

function parseVerifyArgs(args: string[]): ParsedArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        onnx: { type: 'boolean' },
        keras: { type: 'string' },
        artifacts: { type: 'string' },
        audio: { type: 'string' },
        runner: { type: 'string' },
        thresholds: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const runner = (values.runner ?? 'python') as RunnerName;
  if (!RUNNER_NAMES.includes(runner)) throw new UsageError(`--runner must be one of ${RUNNER_NAMES.join(', ')} (got '${values.runner}')`);
  return { ...values, onnx: values.onnx ?? false, help: values.help ?? false, runner } as ParsedArgs;
}

async function loadThresholds(file: string | undefined) {
  if (!file) return resolveThresholds();
  let overrides: unknown;
  try {
    overrides = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--thresholds ${file}: ${(e as Error).message}`);
  }
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) throw new UsageError(`--thresholds ${file}: want a JSON object of stages`);
  try {
    return resolveThresholds(overrides as Record<string, Record<string, number>>);
  } catch (e) {
    throw new UsageError(`--thresholds ${file}: ${(e as Error).message}`);
  }
}

export async function runVerifyCli(args: string[], options: VerifyCliOptions = {}): Promise<number> {
  const io = options.io ?? { stdout: process.stdout, stderr: process.stderr };
  const started = performance.now();
  const say = (line: string): void => {
    io.stderr.write(`verify [${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
  };
  const cleanups: Array<() => Promise<void>> = [];
  let runner: ReferenceRunner | null = null;
  try {
    const parsed = parseVerifyArgs(args);
    if (parsed.help) {
      io.stdout.write(VERIFY_USAGE);
      return 0;
    }
    const cwd = options.cwd ?? process.cwd();
    const thresholds = await loadThresholds(parsed.thresholds);
    if (parsed.onnx && !parsed.keras && !parsed.artifacts && !options.writeDefaultKeras) {
      throw new UsageError('--onnx needs --keras FILE (or --artifacts DIR with --keras)');
    }
    const audio = parsed.audio ? await readParityAudio(resolve(cwd, parsed.audio)) : testSignalAudio();
    say(`audio: ${audio.description}`);

    let keras = parsed.keras ? resolve(cwd, parsed.keras) : undefined;
    let artifactsDir = parsed.artifacts ? resolve(cwd, parsed.artifacts) : undefined;
    if (parsed.onnx && !keras && !artifactsDir) {
      const temporary = await mkdtemp(join(tmpdir(), 'mule-verify-fixture-'));
      cleanups.push(() => rm(temporary, { recursive: true, force: true }));
      keras = join(temporary, 'mule-fixture-full-seed1.keras');
      say('generating the full-size fixture (GENERATED SF-NFNet-F0, random weights, seed 1; not the real MULE model)');
      await options.writeDefaultKeras!(keras);
    }
    if (keras && !artifactsDir) {
      artifactsDir = resolve(cwd, 'artifacts', 'verify');
      say(`converting ${keras} -> ${artifactsDir}`);
      let phase: ConvertPhase | null = null;
      const summary = await convertKerasFile({
        keras,
        outDir: artifactsDir,
        onProgress: (p) => {
          if (p.phase !== phase) say(`  convert: ${(phase = p.phase)}`);
        },
      });
      say(`converted in ${summary.seconds.toFixed(1)} s: ${Object.keys(summary.files).join(', ')}`);
    }

    runner = options.createRunner ? options.createRunner(parsed.runner) : createReferenceRunner(parsed.runner);
    say(`reference runner: ${runner.name} (${runner.description})`);
    const result = await runParity({
      audio,
      runner,
      thresholds,
      onnx: parsed.onnx,
      ...(artifactsDir ? { artifactsDir } : {}),
      ...(keras ? { keras } : {}),
      ...(options.pipeline ? { pipeline: options.pipeline } : {}),
      onProgress: say,
    });

    io.stdout.write(`\n${renderParityTable(result, { color: io.stdout.isTTY === true })}\n`);
    const outDir = parsed.out ? resolve(cwd, parsed.out) : (artifactsDir ?? resolve(cwd, 'artifacts', 'verify'));
    const written = await writeParityReport(result, outDir);
    say(`wrote ${written.json} and ${written.markdown}`);
    if (artifactsDir && existsSync(join(artifactsDir, MANIFEST_FILE_NAME))) {
      say(`recorded the result in ${await recordParityInManifest(artifactsDir, result)} (parity)`);
    }
    io.stdout.write(`${closingSummary(result)}\n`);
    return result.verdict === 'pass' ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`error: ${e.message}\n\n${VERIFY_USAGE}`);
      return 2;
    }
    if (e instanceof ReferencePythonNotFoundError) {
      io.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`error${isMuleError(e) ? ` [${e.code}]` : ''}: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await runner?.close();
    for (const cleanup of cleanups) await cleanup();
  }
}

/** One paragraph: the verdict, the smallest margin, and what was not verified. */
export function closingSummary(result: ParityResult): string {
  const passed = result.stages.filter((s) => s.status === 'pass');
  const failed = result.stages.filter((s) => s.status === 'fail' || s.status === 'not-run');
  const skipped = result.stages.filter((s) => s.status === 'not-requested');
  const tightest = passed.reduce<(typeof passed)[number] | null>((a, s) => (a === null || (s.margin ?? Infinity) < (a.margin ?? Infinity) ? s : a), null);
  const lines = [
    result.verdict === 'pass'
      ? `PASS: ${passed.length} stage(s) within thresholds (${passed.map((s) => s.stage).join(', ')})` +
        (tightest ? `; smallest margin ${formatMargin(tightest.margin)} at ${tightest.stage}` : '')
      : `FAIL: ${failed.map((s) => `${s.stage} ${s.status === 'fail' ? 'failed' : 'did not run'}`).join(', ') || 'no stage ran'}`,
  ];
  if (skipped.length > 0) lines.push(`not verified: ${skipped.map((s) => s.stage).join(', ')} (${skipped.map((s) => s.problems[0]).filter((v, i, a) => a.indexOf(v) === i).join('; ')})`);
  return lines.join('\n');
}
