/** `mule embed` arguments -> catalogue options (pure: no file system access). */
import { BACKBONE_PRECISIONS } from '@mule-ts/core';
import type { CatalogueOptions, CatalogueOutputKind, Shard } from '@mule-ts/runtime';
import { choiceFlag, integerFlag, parseCommandArgs } from '../args/parse-command-args.js';
import type { ProgressMode } from '../progress-bar.js';
import { UsageError } from '../usage-error.js';

export interface EmbedCommand extends CatalogueOptions {
  progress: 'auto' | ProgressMode;
  help: boolean;
  /** `--shard auto` (count null) or `auto/N`: resolved from the scheduler's environment by the command. */
  shardAuto: { count: number | null } | null;
}

/** In --out, replaced by the shard as I-of-N (e.g. out-3-of-8.jsonl), so one job definition serves every task. */
export const SHARD_PLACEHOLDER = '{shard}';

export const DEFAULT_EXTENSIONS = ['wav', 'wave', 'mp3', 'flac', 'ogg', 'oga', 'm4a', 'aac', 'opus', 'aif', 'aiff'];

export const EMBED_USAGE = `Usage: mule embed FILE|DIR... [--inputs LIST] --model DIR --out OUT [options]

Embeds audio files with converted, verified MULE artifacts (decode as upstream: ffmpeg -> 44.1 kHz
int16, channels summed, first 30 minutes; resample to 16 kHz; log-mel; slices; backbone; every
figure from the artifacts' config.json).

  FILE|DIR...           audio files, and directories searched recursively for
                        ${DEFAULT_EXTENSIONS.join(', ')}
  --inputs LIST         a text file of audio paths, one per line (# comments, blank lines skipped),
                        read rather than walked: give every shard of a job the same list
  --model DIR           converted artifacts (mule convert) with a passing verification record
                        (mule verify --onnx): backbone.onnx, config.json, manifest.json
  --out OUT             OUT.npy     one 1728-d clip embedding per file (N x 1728 float32, rows in
                                    input order) + OUT.index.json listing the files of each row
                        OUT.jsonl   one JSON object per file: file, embedding, centres, seconds
                                    (+ timeline with --timeline)
                        OUT.parquet one row per file: path, status, error, seconds, slices, centres,
                                    embedding (1728 float32), warnings, size, mtime, model_sha256,
                                    verification_id (+ timeline with --timeline); written when the
                                    shard is complete (rows are logged as files finish, for --resume)
                        OUT/        a directory (trailing / or no extension): one .npy per file
                                    (the timeline K x 1728 with --timeline, else the embedding)
                        {shard} in OUT is replaced by the shard, I-of-N (with --shard)
  --timeline            include the per-slice timeline (.jsonl, .parquet or directory output)
  --dump-stages DIR     write each file's decoded signal, 16 kHz waveform, mel and slices as .npy
  --resume              continue an interrupted run: skip the files OUT's progress journal lists as done
  --skip-unchanged FILE an earlier .parquet output: files whose path, size and mtime match one of its
                        rows (same backbone file) are carried over instead of embedded again
  --overwrite           start again even if OUT holds an earlier run
  --shard I/N           process only shard I of N (1 <= I <= N), chosen by a hash of each path
  --shard auto          the shard from the job scheduler's environment: AWS Batch array jobs
                        (AWS_BATCH_JOB_ARRAY_INDEX/_SIZE) or Cloud Run jobs (CLOUD_RUN_TASK_INDEX/_COUNT)
  --shard auto/N        the same for a Kubernetes Indexed Job of N completions (JOB_COMPLETION_INDEX)
  --decoder D           auto (ffmpeg if found, else the WAV reader), ffmpeg or wav (default auto)
  --ffmpeg PATH         the ffmpeg executable (default: $MULE_FFMPEG, else ffmpeg on PATH)
  --jobs N              decoding/front-end worker threads (default: cores - 1; 2 on 2 cores; 0 = main thread)
  --batch-size N        slices per backbone run (default 16)
  --short-clip MODE     faithful (upstream: a clip of 2 s or less has no embedding) or pad (default faithful)
  --allow-unverified    run artifacts that have no passing verification record, with a warning
  --precision P         the backbone file to run: fp32 (backbone.onnx, default), fp16 or int8
                        (backbone-<P>.onnx, from mule convert --variants P; verified on its own)
  --limit N             stop after N files
  --progress MODE       auto, tty, lines or none (default auto: tty on a terminal, else lines);
                        warnings and failures are printed in every mode
  --ext LIST            comma-separated extensions searched in directories

Exit codes: 0 every file embedded; 3 the batch completed but some files failed (listed at the
end and in the progress journal); 2 usage error; 1 fatal error (model, output).`;

const FLAGS = {
  model: { type: 'string' },
  out: { type: 'string' },
  timeline: { type: 'boolean' },
  'dump-stages': { type: 'string' },
  resume: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  shard: { type: 'string' },
  inputs: { type: 'string' },
  'skip-unchanged': { type: 'string' },
  decoder: { type: 'string' },
  ffmpeg: { type: 'string' },
  jobs: { type: 'string' },
  'batch-size': { type: 'string' },
  'short-clip': { type: 'string' },
  'allow-unverified': { type: 'boolean' },
  precision: { type: 'string' },
  limit: { type: 'string' },
  progress: { type: 'string' },
  ext: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function outputKindOf(out: string): CatalogueOutputKind {
  if (out.endsWith('/')) return 'dir';
  const lower = out.toLowerCase();
  if (lower.endsWith('.npy')) return 'npy';
  if (lower.endsWith('.jsonl')) return 'jsonl';
  if (lower.endsWith('.parquet')) return 'parquet';
  const base = out.split('/').pop() ?? out;
  if (!base.includes('.')) return 'dir';
  throw new UsageError(`--out ${out}: use a .npy, .jsonl or .parquet file or a directory (ending in / or without extension)`, 'embed');
}

/** `--shard I/N` (1-based), `auto` or `auto/N`. */
export function parseShardFlag(text: string): { shard: Shard | null; shardAuto: { count: number | null } | null } {
  if (text === 'auto') return { shard: null, shardAuto: { count: null } };
  const auto = /^auto\/(\d+)$/.exec(text);
  if (auto) {
    const count = Number(auto[1]);
    if (count < 1) throw new UsageError(`--shard auto/N takes N >= 1 (the Job's completions), got ${JSON.stringify(text)}`, 'embed');
    return { shard: null, shardAuto: { count } };
  }
  return { shard: parseShard(text), shardAuto: null };
}

/** `--shard I/N`, 1-based. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard takes I/N with 1 <= I <= N (e.g. 1/4), auto or auto/N, got ${JSON.stringify(text)}`, 'embed');
  return { index, count };
}

export function parseEmbedArgs(argv: readonly string[], defaultJobs = 1): EmbedCommand {
  const { values: v, positionals } = parseCommandArgs('embed', argv, FLAGS);
  const base = {
    help: v.help === true,
    timeline: v.timeline === true,
    dumpStages: v['dump-stages'] ?? null,
    resume: v.resume === true,
    overwrite: v.overwrite === true,
    ...(v.shard === undefined ? { shard: null, shardAuto: null } : parseShardFlag(v.shard)),
    inputLists: v.inputs === undefined ? [] : [v.inputs],
    skipUnchanged: v['skip-unchanged'] === undefined ? [] : [v['skip-unchanged']],
    decoder: choiceFlag(v.decoder ?? 'auto', '--decoder', ['auto', 'ffmpeg', 'wav'] as const, 'embed'),
    ffmpegPath: v.ffmpeg ?? null,
    jobs: v.jobs === undefined ? defaultJobs : integerFlag(v.jobs, '--jobs', 0, 'embed'),
    batchSize: v['batch-size'] === undefined ? 16 : integerFlag(v['batch-size'], '--batch-size', 1, 'embed'),
    shortClip: choiceFlag(v['short-clip'] ?? 'faithful', '--short-clip', ['faithful', 'pad'] as const, 'embed'),
    allowUnverified: v['allow-unverified'] === true,
    precision: choiceFlag(v.precision ?? 'fp32', '--precision', BACKBONE_PRECISIONS, 'embed'),
    limit: v.limit === undefined ? null : integerFlag(v.limit, '--limit', 0, 'embed'),
    progress: choiceFlag(v.progress ?? 'auto', '--progress', ['auto', 'tty', 'lines', 'none'] as const, 'embed'),
    extensions: v.ext === undefined ? DEFAULT_EXTENSIONS : v.ext.split(',').map((e) => e.trim().replace(/^\./, '').toLowerCase()).filter(Boolean),
  };
  if (base.help) return { ...base, inputs: positionals, model: v.model ?? '', out: v.out ?? '', outKind: 'npy' };
  if (positionals.length === 0 && v.inputs === undefined) throw new UsageError('no input files or directories (give paths, or --inputs LIST)', 'embed');
  if (v.model === undefined) throw new UsageError('--model DIR is required', 'embed');
  if (v.out === undefined) throw new UsageError('--out OUT is required', 'embed');
  const outKind = outputKindOf(v.out);
  if (base.timeline && outKind === 'npy') throw new UsageError('--timeline needs a .jsonl, .parquet or directory --out (a .npy output holds one clip embedding per file)', 'embed');
  if (base.resume && base.overwrite) throw new UsageError('--resume and --overwrite exclude each other', 'embed');
  return { ...base, inputs: positionals, model: v.model, out: v.out, outKind };
}
