/**
 * `mule embed` arguments -> a typed command (pure: no file system access).
 */
import type { ShortClipMode } from '@mule-ts/core';
import type { AudioDecoder } from '../audio/index.js';
import { parseShard, type Shard } from './shard.js';
import { UsageError } from './usage-error.js';

export type OutputKind = 'npy' | 'jsonl' | 'dir';

export interface EmbedCommand {
  inputs: string[];
  model: string;
  out: string;
  outKind: OutputKind;
  timeline: boolean;
  dumpStages: string | null;
  resume: boolean;
  overwrite: boolean;
  shard: Shard | null;
  decoder: AudioDecoder;
  ffmpegPath: string | null;
  /** Front-end worker threads; 0 runs decoding and the front-end on the main thread. */
  jobs: number;
  batchSize: number;
  shortClip: ShortClipMode;
  /** Stop after this many files (for tests and trial runs); null = all. */
  limit: number | null;
  progress: 'auto' | 'tty' | 'lines' | 'none';
  extensions: string[];
}

export const DEFAULT_EXTENSIONS = ['wav', 'wave', 'mp3', 'flac', 'ogg', 'oga', 'm4a', 'aac', 'opus', 'aif', 'aiff'];


export const EMBED_USAGE = `Usage: mule embed FILE|DIR... --model DIR --out OUT [options]

Embeds audio files with a converted MULE model (decode as upstream: ffmpeg -> 44.1 kHz int16,
channels summed, first 30 minutes; resample to 16 kHz; log-mel; slices; backbone).

  FILE|DIR...           audio files, and directories searched recursively for
                        ${DEFAULT_EXTENSIONS.join(', ')}
  --model DIR           converted artifacts (pnpm convert): backbone.onnx, config.json, manifest.json
  --out OUT             OUT.npy     one 1728-d clip embedding per file (N x 1728 float32, rows in
                                    input order) + OUT.index.json listing the files of each row
                        OUT.jsonl   one JSON object per file: file, embedding, centres, seconds
                                    (+ timeline with --timeline)
                        OUT/        a directory (trailing / or no extension): one .npy per file
                                    (the timeline K x 1728 with --timeline, else the embedding)
  --timeline            include the per-slice timeline (.jsonl or directory output)
  --dump-stages DIR     write each file's decoded signal, 16 kHz waveform, mel and slices as .npy
  --resume              continue an interrupted run: skip the files OUT's progress journal lists as done
  --overwrite           start again even if OUT holds an earlier run
  --shard I/N           process only shard I of N (1 <= I <= N), chosen by a hash of each path
  --decoder D           auto (ffmpeg if found, else the WAV reader), ffmpeg or wav (default auto)
  --ffmpeg PATH         the ffmpeg executable (default: $MULE_FFMPEG, else ffmpeg on PATH)
  --jobs N              decoding/front-end worker threads (default: cores - 1, at least 1; 0 = main thread)
  --batch-size N        slices per backbone run (default 16)
  --short-clip MODE     faithful (upstream: a clip of 2 s or less has no embedding) or pad (default faithful)
  --limit N             stop after N files
  --progress MODE       auto, tty, lines or none (default auto: tty on a terminal, else lines)
  --ext LIST            comma-separated extensions searched in directories

Exit codes: 0 every file embedded; 3 the batch completed but some files failed (listed at the
end and in the progress journal); 2 usage error; 1 fatal error (model, output).`;

function takeValue(argv: readonly string[], i: number, flag: string): string {
  const value = argv[i + 1];
  if (value === undefined || (value.startsWith('--') && value.length > 2)) throw new UsageError(`${flag} needs a value`);
  return value;
}

function positiveInt(text: string, flag: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`${flag} takes an integer >= ${min}, got ${JSON.stringify(text)}`);
  return Number(text);
}

export function outputKindOf(out: string): OutputKind {
  if (out.endsWith('/')) return 'dir';
  const lower = out.toLowerCase();
  if (lower.endsWith('.npy')) return 'npy';
  if (lower.endsWith('.jsonl')) return 'jsonl';
  const base = out.split('/').pop() ?? out;
  if (!base.includes('.')) return 'dir';
  throw new UsageError(`--out ${out}: use a .npy file, a .jsonl file or a directory (ending in / or without extension)`);
}

export function parseEmbedArgs(argv: readonly string[], defaultJobs = 1): EmbedCommand {
  const inputs: string[] = [];
  let model: string | null = null;
  let out: string | null = null;
  const cmd: Omit<EmbedCommand, 'inputs' | 'model' | 'out' | 'outKind'> = {
    timeline: false,
    dumpStages: null,
    resume: false,
    overwrite: false,
    shard: null,
    decoder: 'auto',
    ffmpegPath: null,
    jobs: defaultJobs,
    batchSize: 16,
    shortClip: 'faithful',
    limit: null,
    progress: 'auto',
    extensions: DEFAULT_EXTENSIONS,
  };
  let onlyPositional = false;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    if (onlyPositional || !arg.startsWith('--')) {
      inputs.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositional = true;
      continue;
    }
    // --flag=value is the same as --flag value
    const eq = arg.indexOf('=');
    let inline: string | null = null;
    if (eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const value = (): string => {
      if (inline !== null) return inline;
      const v = takeValue(argv, i, arg);
      i++;
      return v;
    };
    switch (arg) {
      case '--model': model = value(); break;
      case '--out': out = value(); break;
      case '--timeline': cmd.timeline = true; break;
      case '--dump-stages': cmd.dumpStages = value(); break;
      case '--resume': cmd.resume = true; break;
      case '--overwrite': cmd.overwrite = true; break;
      case '--shard': cmd.shard = parseShard(value()); break;
      case '--decoder': {
        const d = value();
        if (d !== 'auto' && d !== 'ffmpeg' && d !== 'wav') throw new UsageError(`--decoder takes auto, ffmpeg or wav, got ${JSON.stringify(d)}`);
        cmd.decoder = d;
        break;
      }
      case '--ffmpeg': cmd.ffmpegPath = value(); break;
      case '--jobs': cmd.jobs = positiveInt(value(), arg, 0); break;
      case '--batch-size': cmd.batchSize = positiveInt(value(), arg, 1); break;
      case '--short-clip': {
        const m = value();
        if (m !== 'faithful' && m !== 'pad') throw new UsageError(`--short-clip takes faithful or pad, got ${JSON.stringify(m)}`);
        cmd.shortClip = m;
        break;
      }
      case '--limit': cmd.limit = positiveInt(value(), arg, 0); break;
      case '--progress': {
        const p = value();
        if (p !== 'auto' && p !== 'tty' && p !== 'lines' && p !== 'none') throw new UsageError(`--progress takes auto, tty, lines or none, got ${JSON.stringify(p)}`);
        cmd.progress = p;
        break;
      }
      case '--ext': cmd.extensions = value().split(',').map((e) => e.trim().replace(/^\./, '').toLowerCase()).filter(Boolean); break;
      default: throw new UsageError(`unknown option ${arg}`);
    }
  }
  if (inputs.length === 0) throw new UsageError('no input files or directories');
  if (!model) throw new UsageError('--model DIR is required');
  if (!out) throw new UsageError('--out OUT is required');
  const outKind = outputKindOf(out);
  if (cmd.timeline && outKind === 'npy') throw new UsageError('--timeline needs a .jsonl or directory --out (a .npy output holds one clip embedding per file)');
  if (cmd.resume && cmd.overwrite) throw new UsageError('--resume and --overwrite exclude each other');
  return { ...cmd, inputs, model, out, outKind };
}
