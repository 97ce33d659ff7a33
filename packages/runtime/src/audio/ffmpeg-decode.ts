/**
 * Decoding as upstream does it (`mule.source_files.AudioFile`): ffmpeg turns any input into
 * signed 16-bit little-endian PCM at the config's `decoding.sampleRate` (44,100 Hz), channels kept,
 * the first `decoding.maxSeconds` only (`-t 1800` as an input option), metadata and video dropped;
 * then int16 / `decoding.int16Scale` (2^16) with the channels summed.
 *
 * ffmpeg writes a WAV stream to stdout (as upstream) and it is mixed to mono chunk by chunk, so
 * the multichannel PCM is never buffered whole. One difference: upstream forces the demuxer from
 * the extension (`-f mp3` / `-f wav`, and rejects other extensions); here ffmpeg probes the
 * content, which gives the same samples for mp3/wav and also reads flac, ogg, m4a, ...
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
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

/** The ffmpeg arguments: upstream's command with a probed input and stdout as the WAV target. */
export function ffmpegArguments(file: string, decoding: Pick<DecodingParams, 'sampleRate' | 'maxSeconds'>): string[] {
  return [
    '-nostdin', '-hide_banner', '-loglevel', 'error',
    '-t', String(decoding.maxSeconds),
    '-i', file,
    '-map_metadata', '-1', '-vn',
    '-acodec', 'pcm_s16le', '-ar', String(decoding.sampleRate),
    '-f', 'wav', 'pipe:1',
  ];
}

/** Decodes `file` with ffmpeg to upstream's mono signal, as the config's `decoding` says. */
export async function decodeWithFfmpeg(file: string, decoding: Readonly<DecodingParams>, options: FfmpegDecodeOptions = {}): Promise<DecodedAudio> {
  const ffmpeg = findFfmpeg(options.ffmpegPath);
  if (!ffmpeg) throw ffmpegMissingError(options.ffmpegPath);
  const { maxSeconds, sampleRate } = decoding;
  const child = spawn(ffmpeg, ffmpegArguments(file, decoding), { stdio: ['ignore', 'pipe', 'pipe'] });

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
  if (failure) throw failure;
  const message = stderr.trim().split('\n').slice(-3).join(' | ');
  if (exitCode !== 0) {
    throw new MuleError('INVALID_INPUT', `${file}: ffmpeg could not decode it (exit ${exitCode}): ${message || 'no message'}`, { file, found: message });
  }
  const finished = mixer as Pcm16leMonoMixer | null;
  if (!finished || finished.frames === 0) {
    throw new MuleError('INVALID_INPUT', `${file}: ffmpeg decoded no audio samples${message ? `: ${message}` : ''}`, { file });
  }
  return { samples: finished.finish(), sampleRate, channelCount: finished.channelCount };
}
