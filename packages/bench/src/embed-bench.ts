/**
 * `pnpm bench embed`: a 3-minute track end to end, stage by stage (ffmpeg decode, resample to
 * 16 kHz, log-mel, slices, backbone), and catalogue throughput of `mule embed` (worker threads for
 * decoding and the front-end, the backbone batched across files) in audio-hours per hour, for every
 * backbone file the artifacts list (fp32, fp16, int8), against the backbone-only rate of the same file.
 * Stage times are medians over interleaved rounds; the audio is generated with ffmpeg.
 */
import { BACKBONE_PRECISIONS, backboneFileName, extractSlices, logMelSpectrogram, resampleForModel, type BackbonePrecision } from '@mule-ts/core';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MuleModel, decodeWithFfmpeg, defaultJobs, embedCatalogue, findFfmpeg, readManifest } from '@mule-ts/runtime';
import { FrontEndPool, ffmpegMissingError, runEmbedPipeline } from '@mule-ts/runtime/internal';
import { median } from './measure.js';
import { benchArtifacts } from './generated-artifacts.js';

const run = promisify(execFile);
/** Slices per backbone run, as `mule embed` defaults to. */
const BATCH_SIZE = 16;

export interface EmbedBenchOptions {
  /** Converted artifacts; default: a generated full-size fixture (random weights), converted. */
  artifacts?: string;
  /** Length of the end-to-end track (default 180 s). */
  trackSeconds?: number;
  /** Rounds of the stage timings (default 3). */
  rounds?: number;
  /** Files and seconds per file of the catalogue run (default 16 x 30 s). */
  catalogueFiles?: number;
  catalogueSeconds?: number;
  /** Worker threads of the catalogue run (default: cores - 1). */
  jobs?: number;
  log?: (line: string) => void;
}

export interface StageTiming {
  stage: string;
  seconds: number[];
}

export interface PrecisionRun {
  precision: BackbonePrecision;
  stages: StageTiming[];
  catalogue: { files: number; audioSeconds: number; wallSeconds: number; jobs: number; backboneSeconds: number; waitingSeconds: number };
}

export interface EmbedBenchResult {
  artifacts: string;
  generated: boolean;
  trackSeconds: number;
  slices: number;
  /** One run per backbone file the artifacts list (fp32 first). */
  runs: PrecisionRun[];
  availableParallelism: number;
  loadBefore: number[];
  loadAfter: number[];
}

async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, (performance.now() - t0) / 1000];
}

/** A stereo mp3 of tones and noise (ffmpeg's aevalsrc computes in double, then LAME encodes). */
async function makeTrack(ffmpeg: string, file: string, seconds: number, seed: number): Promise<void> {
  const expr = `0.3*sin(2*PI*(${180 + seed * 17}+20*sin(2*PI*0.3*t))*t)+0.1*(2*random(0)-1)|0.25*sin(2*PI*${523 + seed * 11}*t)+0.1*(2*random(1)-1)`;
  await run(ffmpeg, ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', `aevalsrc=${expr}:s=44100:d=${seconds}`, '-c:a', 'libmp3lame', '-b:a', '192k', file]);
}

export async function benchEmbed(options: EmbedBenchOptions = {}): Promise<EmbedBenchResult> {
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const ffmpeg = findFfmpeg();
  if (!ffmpeg) throw ffmpegMissingError();
  const trackSeconds = options.trackSeconds ?? 180;
  const rounds = options.rounds ?? 3;
  const catalogueFiles = options.catalogueFiles ?? 16;
  const catalogueSeconds = options.catalogueSeconds ?? 30;
  const jobs = options.jobs ?? defaultJobs();
  const work = await mkdtemp(join(tmpdir(), 'mule-bench-embed-'));
  try {
    const artifacts = await benchArtifacts(options.artifacts, work, log);
    const track = join(work, 'track.mp3');
    await makeTrack(ffmpeg, track, trackSeconds, 0);
    const loadBefore = loadavg();

    const manifest = await readManifest(artifacts);
    const precisions = BACKBONE_PRECISIONS.filter((p) => manifest.files[backboneFileName(p)]);
    const dir = join(work, 'catalogue');
    await mkdir(dir);
    for (let i = 0; i < catalogueFiles; i++) await makeTrack(ffmpeg, join(dir, `track-${String(i).padStart(3, '0')}.mp3`), catalogueSeconds, i + 1);
    const runs: PrecisionRun[] = [];
    let sliceCount = 0;
    for (const precision of precisions) {
      // Timing only: the generated fixture is not verified here (pnpm gate and the tests verify it).
      const model = await MuleModel.load(artifacts, { requireVerified: false, onWarning: () => undefined, precision, batchSize: BATCH_SIZE });
      const names = ['decode (ffmpeg, 44.1 kHz int16, summed)', 'resample 44.1 -> 16 kHz', 'log-mel', 'slices', 'backbone', 'end to end (embedFile: stages one after another)', 'end to end (mule embed: front-end in a worker, backbone on its parts as they come)'];
      const stages: StageTiming[] = names.map((stage) => ({ stage, seconds: [] }));
      const pool = new FrontEndPool(Math.max(1, jobs), {
        frontEnd: { decoding: model.config.decoding, resampling: model.config.resampling, melFrontEnd: model.config.melFrontEnd, slicing: model.config.slicing },
        shortClip: 'faithful',
        decoder: 'auto',
        ffmpegPath: ffmpeg,
        dumpStages: null,
        slicesPerPart: BATCH_SIZE,
      });
      const overlapped = async (): Promise<void> => {
        await runEmbedPipeline([track], pool, model, 1, async (_i, outcome) => {
          if (!outcome.ok) throw new Error(outcome.error);
        });
      };
      try {
        await model.embedFile(track); // warm-up
        await overlapped();
        for (let r = 0; r < rounds; r++) {
          const [decoded, tDecode] = await timed(() => decodeWithFfmpeg(track, model.config.decoding, { ffmpegPath: ffmpeg }));
          const [wave, tResample] = await timed(() => resampleForModel(decoded.samples, decoded.sampleRate, model.config.resampling));
          const [mel, tMel] = await timed(() => logMelSpectrogram(wave, model.config.melFrontEnd));
          const [slices, tSlices] = await timed(() => extractSlices(mel.data, mel.frames, { nMels: mel.nMels, params: model.config.slicing }));
          const [, tBackbone] = await timed(() => model.embedPrepared([{ slices }]));
          const [, tAll] = await timed(() => model.embedFile(track));
          const [, tOverlapped] = await timed(overlapped);
          sliceCount = slices.widths.length;
          [tDecode, tResample, tMel, tSlices, tBackbone, tAll, tOverlapped].forEach((t, i) => stages[i]!.seconds.push(t));
          log(`${precision} round ${r + 1}/${rounds}: end to end ${tAll.toFixed(2)} s one stage after another, ${tOverlapped.toFixed(2)} s overlapped, for ${trackSeconds} s of audio`);
        }
      } finally {
        await pool.close();
        await model.close(); // one full-size model in memory at a time: the catalogue run loads its own
      }
      log(`${precision} catalogue: ${catalogueFiles} files x ${catalogueSeconds} s, ${jobs} worker thread(s) ...`);
      const out = join(work, `catalogue-${precision}.npy`);
      const summary = await embedCatalogue({
        inputs: [dir],
        model: artifacts,
        out,
        outKind: 'npy',
        timeline: false,
        dumpStages: null,
        resume: false,
        overwrite: false,
        shard: null,
        decoder: 'auto',
        ffmpegPath: null,
        jobs,
        batchSize: BATCH_SIZE,
        shortClip: 'faithful',
        allowUnverified: true,
        precision,
        limit: null,
        extensions: ['mp3'],
      });
      if (summary.failed.length > 0) throw new Error(`the ${precision} catalogue run failed: ${summary.failed.map((f) => f.error).join('; ')}`);
      runs.push({ precision, stages, catalogue: { files: catalogueFiles, audioSeconds: summary.audioSeconds, wallSeconds: summary.wallSeconds, jobs, backboneSeconds: summary.backboneSeconds, waitingSeconds: summary.backboneWaitingSeconds } });
    }

    return {
      artifacts,
      generated: !options.artifacts,
      trackSeconds,
      slices: sliceCount,
      runs,
      availableParallelism: availableParallelism(),
      loadBefore,
      loadAfter: loadavg(),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The end-to-end target of the variants issue: a catalogue at >= 85% of the backbone-only rate. */
export const CATALOGUE_TARGET = 0.85;

export function formatEmbedBench(r: EmbedBenchResult): string {
  const names = r.runs[0]?.stages.map((s) => s.stage) ?? [];
  const rows = names.map((name, i) => {
    const cells = r.runs.map((run) => {
      const t = median(run.stages[i]!.seconds);
      return `${t.toFixed(3)} | ${(r.trackSeconds / t).toFixed(1)}x`;
    });
    return `| ${name} | ${cells.join(' | ')} |`;
  });
  const lines = [
    `## mule embed: ${r.trackSeconds} s stereo mp3 end to end (${r.slices} slices), median of ${r.runs[0]?.stages[0]!.seconds.length ?? 0} rounds`,
    '',
    `| stage | ${r.runs.map((run) => `${run.precision} seconds | ${run.precision} x real time`).join(' | ')} |`,
    `|---|${r.runs.map(() => '---:|---:').join('|')}|`,
    ...rows,
    '',
  ];
  for (const run of r.runs) {
    const c = run.catalogue;
    const hoursPerHour = c.audioSeconds / c.wallSeconds;
    const stage = (name: string): number => median(run.stages.find((s) => s.stage.startsWith(name))!.seconds);
    const backboneAlone = stage('backbone');
    const backboneOnly = r.trackSeconds / backboneAlone;
    // Excluding the model's load: the time the backbone ran plus the time it waited for slices.
    const looping = c.audioSeconds / (c.backboneSeconds + c.waitingSeconds);
    const share = looping / backboneOnly;
    // The best any schedule could do here: the front-end's single-core seconds share the cores the backbone fills.
    const frontEnd = stage('decode') + stage('resample') + stage('log-mel') + stage('slices');
    const bound = backboneAlone / (backboneAlone + frontEnd / r.availableParallelism);
    // The front-end cost at which that bound reaches the target.
    const frontEndForTarget = r.availableParallelism * backboneAlone * (1 / CATALOGUE_TARGET - 1);
    lines.push(
      `${run.precision} catalogue: ${c.files} files, ${(c.audioSeconds / 3600).toFixed(3)} h of audio in ${c.wallSeconds.toFixed(1)} s with the model's load ` +
        `(${hoursPerHour.toFixed(1)} audio-hours per hour), ${c.jobs} front-end worker(s); the backbone ran ${c.backboneSeconds.toFixed(1)} s and waited ${c.waitingSeconds.toFixed(1)} s for slices: ` +
        `**${looping.toFixed(1)} audio-hours per hour** once loaded; the backbone alone: ${backboneOnly.toFixed(1)} ` +
        `(target: >= ${(100 * CATALOGUE_TARGET).toFixed(0)}% of it: ${(100 * share).toFixed(0)}%, ${share >= CATALOGUE_TARGET ? 'MET' : 'NOT MET'}; ` +
        `the front-end's measured ${frontEnd.toFixed(2)} s per ${r.trackSeconds} s on one core, sharing ${r.availableParallelism} cores with the backbone, bounds any schedule here at ${(100 * bound).toFixed(0)}%` +
        (bound < CATALOGUE_TARGET ? `; it reaches ${(100 * CATALOGUE_TARGET).toFixed(0)}% only with a front-end of <= ${frontEndForTarget.toFixed(2)} s per ${r.trackSeconds} s, or more cores).` : ').'),
    );
  }
  lines.push(
    '',
    `Machine: ${r.availableParallelism} cores, load ${r.loadBefore.map((l) => l.toFixed(2)).join('/')} before, ${r.loadAfter.map((l) => l.toFixed(2)).join('/')} after. ` +
      `Model: ${r.generated ? 'generated full-size fixture (random weights; same architecture and cost as MULE)' : r.artifacts}.`,
  );
  return lines.join('\n');
}
