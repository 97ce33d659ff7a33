/**
 * Decoding as upstream does it (`mule.source_files.AudioFile`): ffmpeg turns any input into
 * signed 16-bit little-endian PCM at the config's `decoding.sampleRate` (44,100 Hz), channels kept,
 * the first `decoding.maxSeconds` only (`-t 1800` as an input option), metadata and video dropped;
 * then int16 / `decoding.int16Scale` (2^16) with the channels summed.
 *
 * For the formats upstream reads (`.mp3`, `.wav`, `.wave`) the command is upstream's: the file's
 * bytes through stdin with the demuxer forced (`-f mp3` / `-f wav`). That matters: read from a pipe,
 * ffmpeg cannot trim an mp3's encoder padding as it does reading by path, so upstream's waveform of
 * an mp3 is longer by the padding (an 85 s mp3: 3,748,655 samples vs 3,748,500 by path). Other
 * extensions (flac, ogg, m4a, ...), which upstream refuses, are read by path with the format probed.
 * The extension is matched case-insensitively (upstream would refuse `.MP3`).
 *
 * ffmpeg writes a WAV stream to stdout (as upstream) and it is mixed to mono chunk by chunk, so
 * the multichannel PCM is never buffered whole.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, createReadStream, statSync } from 'node:fs';
import { delimiter, extname, isAbsolute, join } from 'node:path';
import { MuleError, Pcm16leMonoMixer, parseWavHeader, type DecodingParams } from '@mule-ts/core';

export const FFMPEG_ENV_VAR = 'MULE_FFMPEG';

export interface FfmpegDecodeOptions {
  /** The ffmpeg executable; default: $MULE_FFMPEG, else `ffmpeg` on PATH. */
  ffmpegPath?: string;
}

export interface DecodedAudio {
  /** Mono at `decoding.sampleRate`, upstream amplitude (int16 / `decoding.int16Scale`, channels summed). */
  samples: Float32Array;
  sampleRate: number;
  /** Channels in the decoded stream (before summing). */
  channelCount: number;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The ffmpeg to run: the explicit path, else $MULE_FFMPEG, else the first `ffmpeg` on PATH; null when none. */
export function findFfmpeg(explicit?: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const wanted = explicit ?? env[FFMPEG_ENV_VAR];
  if (wanted) {
    if (isAbsolute(wanted) || wanted.includes('/')) return isExecutableFile(wanted) ? wanted : null;
    return searchPath(wanted, env);
  }
  return searchPath('ffmpeg', env);
}

function searchPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

export function ffmpegMissingError(explicit?: string): MuleError {
  const which = explicit ?? process.env[FFMPEG_ENV_VAR];
  const what = which ? `ffmpeg was not found at ${JSON.stringify(which)}` : 'ffmpeg was not found on PATH';
  return new MuleError(
    'UNSUPPORTED',
    `${what}: install it (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg), point ${FFMPEG_ENV_VAR} or --ffmpeg at it, or use WAV input with the built-in reader (--decoder wav)`,
    { found: which ?? null },
  );
}

/** The extensions upstream's `AudioFile` reads, and the ffmpeg demuxer it forces for each. */
export const UPSTREAM_FORMATS: Readonly<Record<string, 'mp3' | 'wav'>> = { '.mp3': 'mp3', '.wav': 'wav', '.wave': 'wav' };

export interface FfmpegInvocation {
  args: string[];
  /** 'file': the file's bytes go to ffmpeg's stdin (upstream's way); 'none': ffmpeg reads the path. */
  stdin: 'file' | 'none';
}

/**
 * The ffmpeg command for `file`: upstream's (`-t 1800 -f mp3|wav -i pipe:0 -map_metadata -1 -vn
 * -acodec pcm_s16le -ar 44100 -f wav pipe:1`) for its formats, the same with the path and a probed
 * format for others. Only the log level differs from upstream's `panic`, so errors can be reported.
 */
export function ffmpegInvocation(file: string, decoding: Pick<DecodingParams, 'sampleRate' | 'maxSeconds'>): FfmpegInvocation {
  const format = UPSTREAM_FORMATS[extname(file).toLowerCase()];
  const input = format ? ['-f', format, '-i', 'pipe:0'] : ['-nostdin', '-i', file];
  return {
    args: [
      '-hide_banner', '-loglevel', 'error',
      '-t', String(decoding.maxSeconds),
      ...input,
      '-map_metadata', '-1', '-vn',
      '-acodec', 'pcm_s16le', '-ar', String(decoding.sampleRate),
      '-f', 'wav', 'pipe:1',
    ],
    stdin: format ? 'file' : 'none',
  };
}

/** Decodes `file` with ffmpeg to upstream's mono signal, as the config's `decoding` says. */
export async function decodeWithFfmpeg(file: string, decoding: Readonly<DecodingParams>, options: FfmpegDecodeOptions = {}): Promise<DecodedAudio> {
  const ffmpeg = findFfmpeg(options.ffmpegPath);
  if (!ffmpeg) throw ffmpegMissingError(options.ffmpegPath);
  const { maxSeconds, sampleRate } = decoding;
  const invocation = ffmpegInvocation(file, decoding);
  const child = spawn(ffmpeg, invocation.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let inputError: unknown = null;
  // ffmpeg stops reading once it has the first 30 minutes (or fails early): a closed pipe is not an error.
  child.stdin.on('error', () => undefined);
  if (invocation.stdin === 'file') {
    const source = createReadStream(file);
    source.on('error', (e) => {
      inputError = new MuleError('IO', `${file}: cannot read it: ${e.message}`, { file, cause: e });
      child.kill();
    });
    source.pipe(child.stdin);
  } else {
    child.stdin.end();
  }

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    if (stderr.length < 8192) stderr += s;
  });

  let head: Uint8Array = new Uint8Array(0);
  let mixer: Pcm16leMonoMixer | null = null;
  let failure: unknown = null;
  child.stdout.on('data', (chunk: Buffer) => {
    if (failure) return;
    try {
      if (mixer) {
        mixer.push(chunk);
        return;
      }
      const joined = new Uint8Array(head.length + chunk.length);
      joined.set(head);
      joined.set(chunk, head.length);
      head = joined;
      const header = parseWavHeader(head, `ffmpeg output for ${file}`);
      if (!header) return;
      if (header.format.sampleFormat !== 's16' || header.format.sampleRate !== sampleRate) {
        throw new MuleError('INVALID_INPUT', `${file}: ffmpeg produced ${header.format.sampleFormat} at ${header.format.sampleRate} Hz, expected s16 at ${sampleRate} Hz`, { file });
      }
      mixer = new Pcm16leMonoMixer(header.format.channelCount, decoding.int16Scale, Math.ceil(maxSeconds * sampleRate), 1 << 20);
      mixer.push(head.subarray(header.dataOffset));
      head = new Uint8Array(0);
    } catch (e) {
      failure = e;
      child.kill();
    }
  });

  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? ffmpegMissingError(ffmpeg) : e));
    child.on('close', (code) => resolve(code));
  });
  if (inputError) throw inputError;
  if (failure) throw failure;
  // ffmpeg names its contexts by memory address ([mp3 @ 0x55d3...]): dropped, so the same file gives the same message every run
  const message = stderr.trim().replace(/ @ 0x[0-9a-f]+\]/g, ']').split('\n').slice(-3).join(' | ');
  if (exitCode !== 0) {
    const format = UPSTREAM_FORMATS[extname(file).toLowerCase()];
    throw new MuleError(
      'INVALID_INPUT',
      `${file}: ffmpeg could not decode it${format ? ` as ${format}` : ''} (exit ${exitCode}): the file is damaged or is not ${format ? `${format} audio` : 'audio ffmpeg reads'}; ffmpeg said: ${message || 'nothing'}`,
      { file, found: message, hint: 'check the file (ffprobe FILE shows what it holds); a file with the wrong extension can be renamed' },
    );
  }
  const finished = mixer as Pcm16leMonoMixer | null;
  if (!finished || finished.frames === 0) {
    throw new MuleError('INVALID_INPUT', `${file}: ffmpeg decoded no audio samples${message ? `: ${message}` : ''}`, { file });
  }
  return { samples: finished.finish(), sampleRate, channelCount: finished.channelCount };
}
