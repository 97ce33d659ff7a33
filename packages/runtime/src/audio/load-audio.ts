/**
 * An audio file -> upstream's 16 kHz mono waveform: decode (ffmpeg as upstream, or the built-in
 * WAV reader), int16 / 2^16 with channels summed, first 30 minutes, then librosa/resampy
 * `kaiser_best` to 16 kHz. Every figure comes from the artifacts' config (`decoding`, `resampling`).
 * ffmpeg runs upstream's command line (see ffmpeg-decode.ts): `.mp3`/`.wav`/`.wave` through stdin.
 *
 * The WAV reader path equals the ffmpeg path bit for bit for 44.1 kHz files in any supported
 * sample format (same int16 conversion). At other rates ffmpeg first resamples to 44.1 kHz with
 * libswresample and quantises to int16 again; the WAV path instead resamples the int16 samples
 * at their own rate straight to 16 kHz with the same kaiser_best filter (one resampling, no
 * libswresample), so its waveform differs from upstream's by the libswresample step and the
 * second int16 rounding: on a stereo tone + white noise (peak ~0.9 per channel) the max |difference|
 * at 16 kHz was 3.5e-3 at 22.05 kHz and 3.6e-4 at 48 kHz (ffmpeg-parity.test.ts prints it). Use
 * ffmpeg for upstream parity at rates other than 44.1 kHz.
 */
import { access, constants, open, readFile, stat } from 'node:fs/promises';
import { MuleError, int16ToMono, mp3DeclaredLength, parseWavHeader, readWavPcm16, resampleForModel, type FrontEndParams, type WavPcm16 } from '@mule-ts/core';
import { decodeWithFfmpeg, findFfmpeg, ffmpegMissingError } from './ffmpeg-decode.js';

export type AudioDecoder = 'auto' | 'ffmpeg' | 'wav';

export interface LoadAudioOptions {
  /** 'auto' (default): ffmpeg when found, else the built-in WAV reader. */
  decoder?: AudioDecoder;
  ffmpegPath?: string;
  /** Seconds read from the start (default: the config's `decoding.maxSeconds`, upstream's 30 minutes). */
  maxSeconds?: number;
  /** Also return the decoded mono signal before resampling (for --dump-stages). */
  keepDecoded?: boolean;
}

export interface LoadedAudio {
  /** Mono at the model's rate (`resampling.targetRate`, 16 kHz), upstream amplitude convention. */
  waveform16k: Float32Array;
  decoder: 'ffmpeg' | 'wav';
  /** Rate of the decoded signal: 44,100 from ffmpeg, the file's own rate from the WAV reader. */
  decodedSampleRate: number;
  channelCount: number;
  /** Duration of the decoded (possibly cut) signal. */
  seconds: number;
  /** The decoded mono signal (int16 / 2^16, summed), when `keepDecoded`. */
  decoded?: Float32Array;
  /** Things the user should know that did not stop decoding (e.g. a truncated WAV). */
  warnings: string[];
}

/** The decoder 'auto' resolves to: ffmpeg when it can be found, else the WAV reader. */
export function resolveDecoder(decoder: AudioDecoder, ffmpegPath?: string): 'ffmpeg' | 'wav' {
  if (decoder !== 'auto') return decoder;
  return findFfmpeg(ffmpegPath) ? 'ffmpeg' : 'wav';
}

/** The parts of the model config that decoding and resampling read. */
export type AudioParams = Pick<FrontEndParams, 'decoding' | 'resampling'>;

/** A file decoded as upstream decodes it, before resampling. */
export interface DecodedFile {
  /** Mono (int16 / 2^16, channels summed in float32), at `sampleRate`. */
  samples: Float32Array;
  /** 44,100 from ffmpeg, the file's own rate from the WAV reader. */
  sampleRate: number;
  decoder: 'ffmpeg' | 'wav';
  channelCount: number;
  seconds: number;
  warnings: string[];
}

/** Decoding and resampling to the model's rate, as upstream does (see `decodeAudio`). */
export async function loadAudio(file: string, params: AudioParams, options: LoadAudioOptions = {}): Promise<LoadedAudio> {
  const audio = await decodeAudio(file, params, options);
  const { samples: decoded, sampleRate: rate } = audio;
  const waveform16k = resampleForModel(decoded, rate, params.resampling);
  if (waveform16k.length === 0) throw new MuleError('INVALID_INPUT', `${file}: too short to give one sample at ${params.resampling.targetRate} Hz (${decoded.length} samples at ${rate} Hz)`, { file });
  return {
    waveform16k,
    decoder: audio.decoder,
    decodedSampleRate: rate,
    channelCount: audio.channelCount,
    seconds: audio.seconds,
    ...(options.keepDecoded ? { decoded } : {}),
    warnings: audio.warnings,
  };
}

/**
 * The file decoded to upstream's mono signal at its decoded rate (ffmpeg, or the WAV reader), with
 * warnings about what did not stop decoding; the resampling is left to the caller.
 */
export async function decodeAudio(file: string, params: Pick<AudioParams, 'decoding'>, options: Omit<LoadAudioOptions, 'keepDecoded'> = {}): Promise<DecodedFile> {
  try {
    await access(file, constants.R_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'ELOOP' ? 'a symbolic link loop' : code === 'EACCES' ? 'permission denied' : 'not readable';
    throw new MuleError('IO', `${file}: ${reason}`, { file, cause: e });
  }
  const size = (await stat(file).catch(() => null))?.size;
  if (size === 0) throw new MuleError('INVALID_INPUT', `${file}: the file is empty (0 bytes)`, { file, found: 0, hint: 'the file was not written completely: copy or download it again' });
  const decoder = resolveDecoder(options.decoder ?? 'auto', options.ffmpegPath);
  const decoding = { ...params.decoding, maxSeconds: options.maxSeconds ?? params.decoding.maxSeconds };
  const { maxSeconds } = decoding;
  const warnings: string[] = [];
  let decoded: Float32Array;
  let rate: number;
  let channelCount: number;
  if (decoder === 'ffmpeg') {
    const out = await decodeWithFfmpeg(file, decoding, options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {});
    ({ samples: decoded, sampleRate: rate, channelCount } = out);
    const short = await shorterThanDeclared(file, size ?? 0, decoded.length / rate, maxSeconds);
    if (short) warnings.push(short);
  } else {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (e) {
      throw new MuleError('IO', `${file}: cannot read it (${(e as Error).message})`, { file, cause: e });
    }
    const wav = readWavPcmOrExplain(bytes, file, options.decoder === 'wav', maxSeconds);
    if (wav.truncated) warnings.push(`${file}: the WAV data chunk is shorter than its header says; decoded the ${wav.frames} whole frames present (as ffmpeg does)`);
    decoded = int16ToMono(wav.samples, wav.format.channelCount, decoding.int16Scale);
    rate = wav.format.sampleRate;
    channelCount = wav.format.channelCount;
  }
  if (decoded.length === 0) throw new MuleError('INVALID_INPUT', `${file}: the file holds no audio samples`, { file });
  return { samples: decoded, sampleRate: rate, decoder, channelCount, seconds: decoded.length / rate, warnings };
}

/**
 * A warning when a file decoded by ffmpeg is shorter than it declares: a WAV whose data chunk size is
 * more than the file holds, or an mp3 that decoded to less than its Xing/Info tag's frame count (more
 * than two frames less). Both are files cut off in a download or copy; ffmpeg decodes what is there
 * without a word.
 */
async function shorterThanDeclared(file: string, size: number, seconds: number, maxSeconds: number): Promise<string | null> {
  let head: Uint8Array;
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = new Uint8Array(64 * 1024);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
  let wav: ReturnType<typeof parseWavHeader> = null;
  try {
    wav = parseWavHeader(head, file);
  } catch {
    wav = null;
  }
  if (wav && wav.declaredDataBytes !== null && wav.dataOffset + wav.declaredDataBytes > size) {
    const declaredSeconds = wav.declaredDataBytes / wav.format.blockAlign / wav.format.sampleRate;
    if (seconds < Math.min(declaredSeconds, maxSeconds) - 1 / wav.format.sampleRate) {
      return `${file}: shorter than it declares: its WAV header says ${declaredSeconds.toFixed(2)} s, the file holds ${seconds.toFixed(2)} s (it is incomplete); embedded what is there`;
    }
  }
  const declared = mp3DeclaredLength(head);
  if (!declared) return null;
  const expected = Math.min(declared.seconds, maxSeconds);
  const slack = (2 * declared.samplesPerFrame) / declared.sampleRate;
  if (seconds >= expected - slack) return null;
  return `${file}: shorter than it declares: its mp3 header says ${declared.seconds.toFixed(2)} s, ${seconds.toFixed(2)} s decoded (the file is incomplete); embedded what is there`;
}

function readWavPcmOrExplain(bytes: Uint8Array, file: string, explicitWav: boolean, maxSeconds: number): WavPcm16 {
  try {
    return readWavPcm16(bytes, file, maxSeconds);
  } catch (e) {
    if (!explicitWav && e instanceof MuleError && e.code === 'INVALID_INPUT' && /not a WAV file/.test(e.message)) {
      throw new MuleError('UNSUPPORTED', `${e.message}; without ffmpeg only WAV files can be read. ${ffmpegMissingError().message}`, { file, cause: e });
    }
    throw e;
  }
}
