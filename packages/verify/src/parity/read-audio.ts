/**
 * Audio the user passes to `--audio`. Until the runtime decodes and resamples (issue #5), only
 * 16 kHz input is accepted: a 16-bit PCM WAV (upstream amplitude convention applied) or a 1-D
 * float `.npy` waveform taken as is (already 16 kHz mono in the upstream convention).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { decodeNpy, toNumbers } from '../npy/index.js';
import { upstreamMono, type PcmAudio } from './test-signal.js';

export const PARITY_SAMPLE_RATE = 16_000;

export interface ParityAudio {
  /** 16 kHz mono, upstream amplitude convention. */
  waveform: Float32Array;
  /** What it is, for the report. */
  description: string;
  source: string;
}

/** Parses a RIFF/WAVE file of 16-bit PCM. */
export function parsePcm16Wav(bytes: Uint8Array, source: string): PcmAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || text(0) !== 'RIFF' || text(8) !== 'WAVE') throw new Error(`${source}: not a RIFF/WAVE file`);
  let format: { channels: number; sampleRate: number; bits: number; tag: number } | null = null;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = text(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      format = { tag: view.getUint16(body, true), channels: view.getUint16(body + 2, true), sampleRate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data') {
      if (!format) throw new Error(`${source}: data chunk before the fmt chunk`);
      if ((format.tag !== 1 && format.tag !== 0xfffe) || format.bits !== 16 || format.channels < 1) {
        throw new Error(`${source}: only 16-bit PCM WAV is read here (found format ${format.tag}, ${format.bits} bits); other formats wait for the runtime decoder (issue #5)`);
      }
      const frames = Math.floor(Math.min(size, bytes.length - body) / (2 * format.channels));
      const channels = Array.from({ length: format.channels }, () => new Int16Array(frames));
      for (let i = 0; i < frames; i++) {
        for (let c = 0; c < format.channels; c++) channels[c]![i] = view.getInt16(body + 2 * (i * format.channels + c), true);
      }
      return { sampleRate: format.sampleRate, channels };
    }
    at = body + size + (size % 2);
  }
  throw new Error(`${source}: no data chunk`);
}

export async function readParityAudio(file: string): Promise<ParityAudio> {
  const bytes = await readFile(file);
  const ext = extname(file).toLowerCase();
  if (ext === '.npy') {
    const array = decodeNpy(bytes, file);
    if (array.shape.length !== 1 || array.shape[0] === 0 || !(array.data instanceof Float32Array || array.data instanceof Float64Array)) {
      throw new Error(`${file}: want a non-empty 1-D float32/float64 16 kHz waveform, got shape [${array.shape}] ${array.data.constructor.name}`);
    }
    return { waveform: Float32Array.from(toNumbers(array)), description: `${array.shape[0]} samples (${(array.shape[0]! / PARITY_SAMPLE_RATE).toFixed(2)} s) of 16 kHz waveform from .npy`, source: file };
  }
  if (ext === '.wav') {
    const pcm = parsePcm16Wav(bytes, file);
    if (pcm.sampleRate !== PARITY_SAMPLE_RATE) {
      throw new Error(`${file}: ${pcm.sampleRate} Hz; verify takes 16 kHz audio until the runtime can resample (issue #5): resample it first, or pass a 16 kHz .wav or .npy`);
    }
    const waveform = upstreamMono(pcm);
    return { waveform, description: `${pcm.channels.length}-channel 16-bit WAV, ${(waveform.length / PARITY_SAMPLE_RATE).toFixed(2)} s at 16 kHz (int16 / 2^16, channels summed)`, source: file };
  }
  throw new Error(`${file}: verify reads 16 kHz .wav (16-bit PCM) or .npy waveforms; decoding other formats waits for the runtime (issue #5)`);
}
