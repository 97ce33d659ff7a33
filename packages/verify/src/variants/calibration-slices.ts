/**
 * Mel slices to calibrate and judge the int8 backbone with, made by the project's own front-end
 * (exactly what the runtime feeds the backbone): a built-in set of generated music-like clips
 * (chords, percussion, noise; each seed a different mix), or the user's own audio files.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { extractSlices, logMelSpectrogram, resampleForModel, type FrontEndParams } from '@mule-ts/core';
import { loadAudio } from '@mule-ts/runtime';
import { generateTestSignal, upstreamMono } from '../parity/test-signal.js';

export interface CalibrationSlices {
  /** Full-width slices, each (mel bins x width), back to back. */
  data: Float32Array;
  count: number;
  melBins: number;
  width: number;
  description: string;
}

const AUDIO_EXTENSIONS = new Set(['.wav', '.wave', '.mp3', '.flac', '.ogg', '.oga', '.m4a', '.aac', '.opus', '.aif', '.aiff']);

function collect(waveforms: Float32Array[], frontEnd: FrontEndParams, description: string): CalibrationSlices {
  const parts: Float32Array[] = [];
  let melBins = 0;
  const width = frontEnd.slicing.lookBackward + frontEnd.slicing.lookForward;
  for (const w of waveforms) {
    const mel = logMelSpectrogram(w, frontEnd.melFrontEnd);
    const sliced = extractSlices(mel.data, mel.frames, { nMels: mel.nMels, params: frontEnd.slicing });
    melBins = mel.nMels;
    sliced.slices.forEach((s, i) => {
      if (sliced.widths[i] === width) parts.push(s);
    });
  }
  if (parts.length === 0) throw new Error(`no full-width slice in ${description}: calibration needs clips longer than 3 s`);
  const data = new Float32Array(parts.length * melBins * width);
  parts.forEach((p, i) => data.set(p, i * melBins * width));
  return { data, count: parts.length, melBins, width, description };
}

/** Generated clips of `seconds` each, one per seed, through upstream's mono convention and the front-end. */
export function generatedSlices(seeds: readonly number[], seconds: number, frontEnd: FrontEndParams): CalibrationSlices {
  const waveforms = seeds.map((seed) => {
    const signal = generateTestSignal({ seconds, seed });
    return resampleForModel(upstreamMono(signal), signal.sampleRate, frontEnd.resampling);
  });
  return collect(waveforms, frontEnd, `${seeds.length} generated music-like clips of ${seconds} s (seeds ${seeds[0]}-${seeds[seeds.length - 1]})`);
}

/** Every audio file directly in `dir`, decoded as the runtime decodes (at most `maxFiles`). */
export async function directorySlices(dir: string, frontEnd: FrontEndParams, maxFiles = 64): Promise<CalibrationSlices> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => AUDIO_EXTENSIONS.has(extname(n).toLowerCase())).sort();
  } catch {
    throw new Error(`--calibration ${dir}: no such directory`);
  }
  const files: string[] = [];
  for (const n of names) if ((await stat(join(dir, n))).isFile() && files.length < maxFiles) files.push(join(dir, n));
  if (files.length === 0) throw new Error(`--calibration ${dir}: no audio files (${[...AUDIO_EXTENSIONS].join(', ')})`);
  const waveforms: Float32Array[] = [];
  for (const f of files) waveforms.push((await loadAudio(f, frontEnd)).waveform16k);
  return collect(waveforms, frontEnd, `${files.length} audio file(s) from ${dir}`);
}
