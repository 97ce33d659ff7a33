/**
 * `pnpm bench runtime`: backbone throughput in onnxruntime-node at batch 1, 8 and 32 next to the
 * machine's float32 matmul rate (ORT MatMul and numpy, measured in the same rounds), the front-end's
 * speed, ORT's graph optimisation levels, the backbone file of each precision the artifacts list
 * (fp32, fp16, int8) and pipeline.onnx against the runtime path. Rounds are interleaved and medians reported, so a
 * load change on a shared machine hits every row alike.
 */
import { BACKBONE_FILE_NAME, BACKBONE_INPUT_NAME, BACKBONE_PRECISIONS, MODEL_CONFIG_FILE_NAME, backboneFileName, extractSlices, logMelSpectrogram, type BackbonePrecision } from '@mule-ts/core';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PIPELINE_FILE_NAME, PIPELINE_INPUT_NAME } from '@mule-ts/convert';
import * as ort from 'onnxruntime-node';
import { readManifest, readModelConfig, type BackboneSessionOptions, type GraphOptimizationLevel } from '@mule-ts/runtime';
import { BackboneSession, POINTWISE_CONV_CHANNEL_BATCH, ortSessionOptions, type BackboneSessionSettings } from '@mule-ts/runtime/internal';
import { backboneFlops, type FlopCount } from './backbone-flops.js';
import { MATMUL_SIZE, OrtMatmul, findNumpyPython, matmulFlops, pseudoRandom, timeNumpyMatmul } from './matmul-reference.js';
import { emptyRunTimes, median, timeRun, type RunTimes } from './measure.js';
import { benchArtifacts } from './generated-artifacts.js';
import { profileOperators, type OperatorTime } from './operator-profile.js';

export interface RuntimeBenchOptions {
  /** An artifact directory with backbone.onnx and config.json; default: convert a generated full-size fixture. */
  artifacts?: string;
  /** Interleaved rounds of the main table (default 5). */
  rounds?: number;
  /** Rounds of the optimisation-level comparison (default 3). */
  levelRounds?: number;
  session?: BackboneSessionOptions;
  log?: (line: string) => void;
}

export interface RateRow {
  label: string;
  times: RunTimes;
  /** Units of work per run (FLOPs or audio seconds). */
  workPerRun: number;
}

export interface BackboneRow {
  batch: number;
  times: RunTimes;
}

export interface LevelRow {
  level: GraphOptimizationLevel;
  times: RunTimes;
  sessionSeconds: number[];
}

export interface PrecisionRow {
  precision: BackbonePrecision;
  file: string;
  bytes: number;
  times: RunTimes;
  sessionSeconds: number[];
}

/** pipeline.onnx against the runtime path (TypeScript front-end + backbone.onnx) on the same clip. */
export interface PipelineRow {
  seconds: number;
  slices: number;
  runtime: RunTimes;
  pipeline: RunTimes;
}

export interface RuntimeBenchResult {
  artifacts: string;
  generated: boolean;
  settings: BackboneSessionSettings;
  availableParallelism: number;
  loadBefore: number[];
  loadAfter: number[];
  flops: FlopCount;
  ortMatmul: RateRow;
  numpyMatmul: RateRow | null;
  numpyNote: string;
  backbone: BackboneRow[];
  frontEnd: RateRow;
  levels: LevelRow[];
  /** Each backbone file the artifacts list (fp32, and the variants converted with them). */
  precisions: PrecisionRow[];
  /** When the artifacts list pipeline.onnx. */
  pipeline: PipelineRow | null;
  /** The int8 backbone's time by operator type (onnxruntime's profiler, batch 8), when the artifacts list it. */
  int8Profile: OperatorTime[] | null;
  rounds: number;
  levelRounds: number;
}

export const BATCH_SIZES = [1, 8, 32] as const;
export const LEVEL_BATCH = 8;
export const OPTIMIZATION_LEVELS: readonly GraphOptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];
const FRONT_END_CLIP_SECONDS = 60;
const PROFILE_RUNS = 3;
/** What each operator of the int8 backbone is (its profile's labels). */
const INT8_OPERATORS: Record<string, string> = {
  QLinearConv: 'the integer convs',
  Conv: "float32 convs: those the drift check keeps, the fast path's squeeze-excite",
  Gelu: 'GELU, float32',
  DequantizeLinear: 'uint8 -> float32',
  QuantizeLinear: 'float32 -> uint8',
  MatMul: 'squeeze-excite dense layers',
};
const SAMPLE_RATE = 16_000;

/** A deterministic 60 s test clip: a few tones with vibrato plus noise, in upstream's amplitude range. */
export function syntheticClip(seconds: number, sampleRate = SAMPLE_RATE): Float32Array {
  const noise = pseudoRandom(seconds * sampleRate, 7);
  const out = new Float32Array(seconds * sampleRate);
  for (let i = 0; i < out.length; i++) {
    const t = i / sampleRate;
    const tone = Math.sin(2 * Math.PI * (220 + 30 * Math.sin(2 * Math.PI * 0.5 * t)) * t) + 0.5 * Math.sin(2 * Math.PI * 1375 * t);
    out[i] = 0.1 * tone + 0.02 * noise[i]!;
  }
  return out;
}

/** A (batch, 96, 300) input: real standardised slices of the test clip, repeated as needed. */
function backboneInput(clipSlices: Float32Array, sliceSize: number, batch: number): Float32Array {
  const available = clipSlices.length / sliceSize;
  const out = new Float32Array(batch * sliceSize);
  for (let i = 0; i < batch; i++) out.set(clipSlices.subarray((i % available) * sliceSize, ((i % available) + 1) * sliceSize), i * sliceSize);
  return out;
}

export async function benchRuntime(options: RuntimeBenchOptions = {}): Promise<RuntimeBenchResult> {
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const rounds = options.rounds ?? 5;
  const levelRounds = options.levelRounds ?? 3;
  const work = await mkdtemp(join(tmpdir(), 'mule-bench-runtime-'));
  try {
    const artifacts = await benchArtifacts(options.artifacts, work, log);
    const backboneFile = join(artifacts, BACKBONE_FILE_NAME);
    const config = await readModelConfig(join(artifacts, MODEL_CONFIG_FILE_NAME));
    const flops = backboneFlops(config.spec);
    const [melBins, frames] = config.spec.inputShape;
    const sliceSize = melBins * frames;

    const clip = syntheticClip(FRONT_END_CLIP_SECONDS);
    const frontEnd = () => {
      const mel = logMelSpectrogram(clip, config.melFrontEnd);
      return extractSlices(mel.data, mel.frames, { nMels: mel.nMels, params: config.slicing });
    };
    const clipSlices = frontEnd().data;
    const inputs = new Map(BATCH_SIZES.map((n) => [n, backboneInput(clipSlices, sliceSize, n)]));

    const loadBefore = loadavg();
    const session = await BackboneSession.open(backboneFile, config.backbone, options.session);
    const matmul = await OrtMatmul.open(ortSessionOptions(options.session), MATMUL_SIZE);
    const python = findNumpyPython();
    const numpyNote = python ? `${python}, ${session.settings.intraOpThreads} BLAS threads` : 'no python3 with numpy (set MULE_PYTHON)';
    for (const n of BATCH_SIZES) await session.run(inputs.get(n)!, n, frames); // warm-up

    const ortTimes = emptyRunTimes();
    const numpyTimes = emptyRunTimes();
    const frontEndTimes = emptyRunTimes();
    const backboneTimes = new Map<number, RunTimes>(BATCH_SIZES.map((n) => [n, emptyRunTimes()]));
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < 3; k++) await timeRun(() => matmul.run(), ortTimes);
      if (python) {
        const t = await timeNumpyMatmul(python, session.settings.intraOpThreads, 3);
        numpyTimes.wall.push(...t.wall);
        numpyTimes.cpu.push(...t.cpu);
      }
      for (const n of BATCH_SIZES) {
        const repeats = Math.max(1, Math.round(8 / n));
        for (let k = 0; k < repeats; k++) await timeRun(() => session.run(inputs.get(n)!, n, frames), backboneTimes.get(n)!);
      }
      await timeRun(frontEnd, frontEndTimes);
      const b8 = median(backboneTimes.get(8)?.wall ?? [NaN]);
      log(`round ${r + 1}/${rounds}: ORT matmul ${(matmulFlops(MATMUL_SIZE) / median(ortTimes.wall) / 1e9).toFixed(0)} GFLOP/s, batch 8 ${(8 / b8).toFixed(2)} slices/s (running medians)`);
    }
    await matmul.release();
    const settings = session.settings;
    await session.release();

    // One session open at a time (each holds the full weights): open, warm up, time, release.
    const levels: LevelRow[] = OPTIMIZATION_LEVELS.map((level) => ({ level, times: emptyRunTimes(), sessionSeconds: [] }));
    for (let r = 0; r < levelRounds; r++) {
      for (const row of levels) {
        const t0 = performance.now();
        const s = await BackboneSession.open(backboneFile, config.backbone, { ...options.session, graphOptimizationLevel: row.level });
        row.sessionSeconds.push((performance.now() - t0) / 1000);
        await s.run(inputs.get(LEVEL_BATCH)!, LEVEL_BATCH, frames);
        for (let k = 0; k < 2; k++) await timeRun(() => s.run(inputs.get(LEVEL_BATCH)!, LEVEL_BATCH, frames), row.times);
        await s.release();
      }
      log(`optimisation levels round ${r + 1}/${levelRounds} done`);
    }

    // The backbone files of each precision the manifest lists, the same way: one session at a time.
    const manifest = await readManifest(artifacts);
    const precisions: PrecisionRow[] = BACKBONE_PRECISIONS.filter((p) => manifest.files[backboneFileName(p)]).map((precision) => ({
      precision,
      file: backboneFileName(precision),
      bytes: manifest.files[backboneFileName(precision)]!.bytes,
      times: emptyRunTimes(),
      sessionSeconds: [],
    }));
    for (let r = 0; r < levelRounds; r++) {
      for (const row of precisions) {
        const t0 = performance.now();
        const s = await BackboneSession.open(join(artifacts, row.file), config.backbone, options.session);
        row.sessionSeconds.push((performance.now() - t0) / 1000);
        await s.run(inputs.get(LEVEL_BATCH)!, LEVEL_BATCH, frames);
        for (let k = 0; k < 2; k++) await timeRun(() => s.run(inputs.get(LEVEL_BATCH)!, LEVEL_BATCH, frames), row.times);
        await s.release();
      }
      log(`precisions round ${r + 1}/${levelRounds} done`);
    }

    // Where the int8 backbone's time goes, by operator: what limits its speed-up, measured here.
    let int8Profile: OperatorTime[] | null = null;
    if (precisions.some((p) => p.precision === 'int8')) {
      const feeds = { [BACKBONE_INPUT_NAME]: new ort.Tensor('float32', inputs.get(LEVEL_BATCH)!, [LEVEL_BATCH, 1, melBins, frames]) };
      int8Profile = await profileOperators(join(artifacts, backboneFileName('int8')), ortSessionOptions(options.session), feeds, PROFILE_RUNS, work);
      log('int8 operator profile done');
    }

    // pipeline.onnx on the clip against the runtime path on the same clip, one session at a time.
    let pipelineRow: PipelineRow | null = null;
    if (manifest.files[PIPELINE_FILE_NAME]) {
      const count = clipSlices.length / sliceSize;
      pipelineRow = { seconds: FRONT_END_CLIP_SECONDS, slices: count, runtime: emptyRunTimes(), pipeline: emptyRunTimes() };
      const waveform = new ort.Tensor('float32', clip, [1, clip.length]);
      for (let r = 0; r < levelRounds; r++) {
        const s = await BackboneSession.open(backboneFile, config.backbone, options.session);
        const runtimePath = async () => s.run(frontEnd().data, count, frames);
        await runtimePath();
        for (let k = 0; k < 2; k++) await timeRun(runtimePath, pipelineRow.runtime);
        await s.release();
        const p = await ort.InferenceSession.create(join(artifacts, PIPELINE_FILE_NAME), ortSessionOptions(options.session));
        await p.run({ [PIPELINE_INPUT_NAME]: waveform });
        for (let k = 0; k < 2; k++) await timeRun(() => p.run({ [PIPELINE_INPUT_NAME]: waveform }), pipelineRow.pipeline);
        await p.release();
        log(`pipeline round ${r + 1}/${levelRounds} done`);
      }
    }

    return {
      artifacts,
      generated: !options.artifacts,
      settings,
      availableParallelism: availableParallelism(),
      loadBefore,
      loadAfter: loadavg(),
      flops,
      ortMatmul: { label: `ORT MatMul ${MATMUL_SIZE}x${MATMUL_SIZE}`, times: ortTimes, workPerRun: matmulFlops(MATMUL_SIZE) },
      numpyMatmul: python ? { label: `numpy a @ b ${MATMUL_SIZE}x${MATMUL_SIZE}`, times: numpyTimes, workPerRun: matmulFlops(MATMUL_SIZE) } : null,
      numpyNote,
      backbone: BATCH_SIZES.map((batch) => ({ batch, times: backboneTimes.get(batch)! })),
      frontEnd: { label: `log-mel + slices, ${FRONT_END_CLIP_SECONDS} s clip`, times: frontEndTimes, workPerRun: FRONT_END_CLIP_SECONDS },
      levels,
      precisions,
      pipeline: pipelineRow,
      int8Profile,
      rounds,
      levelRounds,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const rate = (work: number, seconds: number[]) => work / median(seconds);
const best = (work: number, seconds: number[]) => work / Math.min(...seconds);
const gf = (flops: number) => `${(flops / 1e9).toFixed(1)}`;
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

/** Median, best and per-CPU-second rates of one row, in units of work per second. */
function rates(work: number, t: RunTimes) {
  return { median: rate(work, t.wall), best: best(work, t.wall), perCpuSecond: rate(work, t.cpu) };
}

export function formatRuntimeBench(r: RuntimeBenchResult): string {
  const s = r.settings;
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const ortPeak = rates(r.ortMatmul.workPerRun, r.ortMatmul.times);
  const numpyPeak = r.numpyMatmul ? rates(r.numpyMatmul.workPerRun, r.numpyMatmul.times) : null;
  const bestPeak = Math.max(ortPeak.best, numpyPeak?.best ?? 0);
  const lines = [
    `runtime benchmark: ${r.artifacts}${r.generated ? ' (generated full-size fixture, random weights)' : ''}`,
    `  machine      os.availableParallelism() = ${r.availableParallelism}; load average (1/5/15 min) ${load(r.loadBefore)} before, ${load(r.loadAfter)} after`,
    `  ORT session  intra-op ${s.intraOpThreads} threads, inter-op ${s.interOpThreads}, spinning ${s.allowSpinning ? 'on' : 'off'}, graph optimisation '${s.graphOptimizationLevel}', sequential, CPU EP, MLAS 1x1-conv channel batch ${POINTWISE_CONV_CHANNEL_BATCH}`,
    `  work         ${(r.flops.flops / 1e9).toFixed(2)} GFLOP per 96x300 slice (${r.flops.flops.toLocaleString('en-US')}: 2·MACs of every conv and dense, counted from the spec; ${gf(r.flops.groupedFlops)} in grouped convs);`,
    `               GFLOP/s below use this count; the exported graph executes ${(r.flops.executedFlops / 1e9).toFixed(2)} (stride hoisting skips rows never read)`,
    `  medians of ${r.rounds} interleaved rounds; 'best' is the fastest single run; 'per CPU-s' divides by the CPU time of the`,
    `  process (all its threads): with spinning off it moves much less than wall time when other processes load the cores`,
    '',
    `  float32 matmul ${pad('', 26)}${lpad('median', 9)}${lpad('best', 9)}${lpad('per CPU-s', 11)}`,
    `  ${pad(`${r.ortMatmul.label} (same settings)`, 40)}${lpad(gf(ortPeak.median), 9)}${lpad(gf(ortPeak.best), 9)}${lpad(gf(ortPeak.perCpuSecond), 11)}  GFLOP/s`,
    numpyPeak && r.numpyMatmul
      ? `  ${pad(r.numpyMatmul.label, 40)}${lpad(gf(numpyPeak.median), 9)}${lpad(gf(numpyPeak.best), 9)}${lpad(gf(numpyPeak.perCpuSecond), 11)}  GFLOP/s  (${r.numpyNote})`
      : `  numpy a @ b: skipped (${r.numpyNote})`,
    '',
    `  ${pad('backbone', 10)}${lpad('slices/s', 9)}${lpad('GFLOP/s', 9)}${lpad('% ORT mm', 10)}${numpyPeak ? lpad('% numpy', 9) : ''}` +
      `${lpad('best sl/s', 11)}${lpad('best GF/s', 11)}${lpad('% best mm', 11)}${lpad('GF/CPU-s', 10)}${lpad('% ORT mm', 10)}${numpyPeak ? lpad('% numpy', 9) : ''}`,
  ];
  for (const row of r.backbone) {
    const b = rates(row.batch * r.flops.flops, row.times);
    lines.push(
      `  ${pad(`batch ${row.batch}`, 10)}${lpad((b.median / r.flops.flops).toFixed(2), 9)}${lpad(gf(b.median), 9)}${lpad(pct(b.median / ortPeak.median), 10)}` +
        `${numpyPeak ? lpad(pct(b.median / numpyPeak.median), 9) : ''}${lpad((b.best / r.flops.flops).toFixed(2), 11)}${lpad(gf(b.best), 11)}${lpad(pct(b.best / bestPeak), 11)}` +
        `${lpad(gf(b.perCpuSecond), 10)}${lpad(pct(b.perCpuSecond / ortPeak.perCpuSecond), 10)}${numpyPeak ? lpad(pct(b.perCpuSecond / numpyPeak.perCpuSecond), 9) : ''}`,
    );
  }
  const fe = rates(r.frontEnd.workPerRun, r.frontEnd.times);
  lines.push('', `  front-end    ${fe.median.toFixed(0)} audio-seconds/s (${r.frontEnd.label}; best ${fe.best.toFixed(0)}, ${fe.perCpuSecond.toFixed(0)} per CPU-s)`);
  const all = r.levels.find((l) => l.level === 'all');
  const allRates = all ? rates(LEVEL_BATCH, all.times) : null;
  lines.push('', `  graph optimisation level, batch ${LEVEL_BATCH} (2 runs in each of ${r.levelRounds} rounds, one session open at a time)`);
  for (const row of r.levels) {
    const l = rates(LEVEL_BATCH, row.times);
    lines.push(
      `  ${pad(row.level, 10)}${lpad(l.median.toFixed(2), 7)} slices/s${lpad(gf(l.median * r.flops.flops), 7)} GFLOP/s${lpad((l.median / (allRates?.median ?? NaN)).toFixed(2), 6)}x 'all'` +
        `   per CPU-s ${lpad((l.perCpuSecond / (allRates?.perCpuSecond ?? NaN)).toFixed(2), 5)}x 'all'   session create ${median(row.sessionSeconds).toFixed(2)} s`,
    );
  }
  const fp32 = r.precisions.find((p) => p.precision === 'fp32');
  const fp32Rate = fp32 ? rates(LEVEL_BATCH, fp32.times) : null;
  lines.push('', `  backbone file by precision, batch ${LEVEL_BATCH} (2 runs in each of ${r.levelRounds} rounds, one session open at a time)`);
  for (const row of r.precisions) {
    const p = rates(LEVEL_BATCH, row.times);
    lines.push(
      `  ${pad(row.precision, 6)}${pad(row.file, 20)}${lpad((row.bytes / 1e6).toFixed(1), 7)} MB${lpad(p.median.toFixed(2), 8)} slices/s${lpad(gf(p.median * r.flops.flops), 7)} GFLOP/s (${pct((p.median * r.flops.flops) / ortPeak.median)} of the ORT float32 matmul)${lpad((p.median / (fp32Rate?.median ?? NaN)).toFixed(2), 6)}x fp32` +
        `   session create ${median(row.sessionSeconds).toFixed(2)} s`,
    );
  }
  const int8 = r.precisions.find((p) => p.precision === 'int8');
  if (int8 && fp32Rate) {
    const ratio = rates(LEVEL_BATCH, int8.times).median / fp32Rate.median;
    const profile = r.int8Profile ?? [];
    const integer = profile.find((p) => p.op === 'QLinearConv')?.share ?? 0;
    const limit = profile.length
      ? ` (from the profile: the integer convs are ${pct(integer)} of the int8 run; the other ${pct(1 - integer)} is float32 work int8 does not speed up)`
      : '';
    lines.push(`  target: int8 >= 2.5x the fp32 backbone at batch ${LEVEL_BATCH}: ${ratio.toFixed(2)}x, ${ratio >= 2.5 ? 'MET' : `NOT MET${limit}`}`);
    if (profile.length) {
      lines.push(`  int8 time by operator (onnxruntime's profiler, batch ${LEVEL_BATCH}, ${PROFILE_RUNS} runs after a warm-up):`);
      for (const p of profile.filter((q) => q.share >= 0.01)) {
        lines.push(`    ${pad(p.op, 20)}${lpad(pct(p.share), 5)}${lpad(p.msPerRun.toFixed(1), 8)} ms/run${INT8_OPERATORS[p.op] ? `  ${INT8_OPERATORS[p.op]}` : ''}`);
      }
      const rest = profile.filter((q) => q.share < 0.01);
      if (rest.length) lines.push(`    ${pad(`${rest.length} others`, 20)}${lpad(pct(rest.reduce((a, q) => a + q.share, 0)), 5)}  (${rest.map((q) => q.op).join(', ')})`);
    }
  }
  if (r.pipeline) {
    const runtimeRate = r.pipeline.slices / median(r.pipeline.runtime.wall);
    const pipelineRate = r.pipeline.slices / median(r.pipeline.pipeline.wall);
    const ratio = pipelineRate / runtimeRate;
    lines.push(
      '',
      `  pipeline.onnx, ${r.pipeline.seconds} s clip at 16 kHz (${r.pipeline.slices} slices, one run; ${r.levelRounds} rounds of 2, one session open at a time)`,
      `  runtime path (log-mel + slices in TypeScript, backbone.onnx)  ${runtimeRate.toFixed(2)} slices/s`,
      `  pipeline.onnx (the same in one ONNX graph)                    ${pipelineRate.toFixed(2)} slices/s  ${ratio.toFixed(2)}x`,
      `  target: within 10% of the runtime path: ${ratio >= 0.9 ? 'MET' : 'NOT MET'}`,
    );
  }
  if (r.precisions.some((p) => p.precision === 'fp16')) {
    lines.push('  fp16: float16 weights cast to float32 in the graph; ORT folds the casts when the session is created and computes in float32,', '  so it runs at the fp32 rate: the variant halves the download (browsers, edge caches), not the compute');
  }
  return lines.join('\n');
}
