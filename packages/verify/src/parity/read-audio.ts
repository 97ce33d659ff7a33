/**
 * The audio both sides of the verification start from: a mono signal in upstream's amplitude
 * convention (int16 / 2^16, channels summed) at its decoded rate, 44.1 kHz for the generated test
 * signal and for anything ffmpeg decodes. The waveform stage resamples it to 16 kHz on both sides.
 *
 * Decoding itself is not compared: a reference would run the same ffmpeg (upstream decodes with
 * ffmpeg too), so a comparison would measure ffmpeg against itself. The runtime's `loadAudio`
 * decodes, and its decoded signal is the shared input.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { FrontEndParams } from '@mule-ts/core';
import { loadAudio, type AudioDecoder } from '@mule-ts/runtime';
import { decodeNpy, toNumbers } from '../npy/index.js';
import { generateTestSignal, TEST_SIGNAL_DEFAULTS, upstreamMono, type TestSignalOptions } from './test-signal.js';

export interface ParityAudio {
  /** Mono, upstream amplitude convention, at `sampleRate`: the shared input of both sides. */
  samples: Float32Array;
  sampleRate: number;
  /** What it is, for the report. */
  description: string;
  source: string;
  /** For the report's notes (e.g. that decoding is not compared). */
  notes: string[];
}

export const DECODING_NOT_COMPARED =
  'Decoding is not compared: the runtime decodes with ffmpeg as upstream does, and a reference would run the same ffmpeg, ' +
  "measuring ffmpeg against itself; the runtime's decoded signal is the shared input of the waveform stage.";

/** Rate assumed for a `.npy` waveform: what ffmpeg decodes to for upstream. */
export const NPY_WAVEFORM_RATE = 44_100;

/** The generated music-like test signal (default 7 s stereo 16-bit at 44.1 kHz), made mono as upstream does. */
export function testSignalAudio(options: TestSignalOptions = {}): ParityAudio {
  const { seconds, sampleRate, seed } = { ...TEST_SIGNAL_DEFAULTS, ...options };
  const samples = upstreamMono(generateTestSignal({ seconds, sampleRate, seed }));
  return {
    samples,
    sampleRate,
    description:
      `generated test signal (chords, percussion, noise; seed ${seed}): ${seconds} s stereo 16-bit PCM at ${sampleRate / 1000} kHz, ` +
      'int16 / 2^16 with channels summed as upstream',
    source: 'generated',
    notes: [],
  };
}

/**
 * `--audio FILE`: a 1-D float32/float64 `.npy` is taken as a 44.1 kHz mono waveform in upstream's
 * convention; anything else is decoded by the runtime's `loadAudio` (ffmpeg, or the built-in WAV
 * reader for WAV files when ffmpeg is absent; that reader keeps the file's own rate).
 */
export async function readParityAudio(file: string, frontEnd: Pick<FrontEndParams, 'decoding' | 'resampling'>, decoder: AudioDecoder = 'auto'): Promise<ParityAudio> {
  if (extname(file).toLowerCase() === '.npy') {
    const array = decodeNpy(await readFile(file), file);
    if (array.shape.length !== 1 || array.shape[0] === 0 || !(array.data instanceof Float32Array || array.data instanceof Float64Array)) {
      throw new Error(`${file}: want a non-empty 1-D float32/float64 44.1 kHz mono waveform, got shape [${array.shape}] ${array.data.constructor.name}`);
    }
    const n = array.shape[0]!;
    return {
      samples: Float32Array.from(toNumbers(array)),
      sampleRate: NPY_WAVEFORM_RATE,
      description: `${n} samples (${(n / NPY_WAVEFORM_RATE).toFixed(2)} s) of mono waveform from .npy, taken as 44.1 kHz`,
      source: file,
      notes: [],
    };
  }
  const loaded = await loadAudio(file, frontEnd, { decoder, keepDecoded: true });
  const rate = loaded.decodedSampleRate;
  const how = loaded.decoder === 'ffmpeg' ? 'decoded by ffmpeg' : 'read by the runtime WAV reader (no ffmpeg)';
  return {
    samples: loaded.decoded!,
    sampleRate: rate,
    description:
      `${loaded.channelCount}-channel audio ${how}: ${loaded.seconds.toFixed(2)} s at ${rate / 1000} kHz, int16 / 2^16 with channels summed`,
    source: file,
    notes: [DECODING_NOT_COMPARED, ...loaded.warnings],
  };
}
