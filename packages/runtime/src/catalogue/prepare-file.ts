/**
 * The per-file work that runs off the main thread: decode, then resample to 16 kHz, log-mel and
 * slices a few slices at a time, each run handed on as soon as it is ready (so the backbone starts
 * on a long file's first slices while the rest is computed). With --dump-stages the file is done
 * whole (its stages are written as .npy) and handed on as one part. The backbone runs on the main thread.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isMuleError, prepareClip, prepareClipInParts, resampleForModel, sliceWidth, type FrontEndParams, type MelSlices, type ShortClipMode } from '@mule-ts/core';
import { decodeAudio, type AudioDecoder, type DecodedFile } from '../audio/index.js';

import { writeNpyFloat32 } from '../npy/index.js';
import { mirroredName } from './collect-inputs.js';

export interface PrepareSettings {
  /** Every front-end parameter, from the model's config.json. */
  frontEnd: FrontEndParams;
  shortClip: ShortClipMode;
  decoder: AudioDecoder;
  ffmpegPath: string | null;
  dumpStages: string | null;
  /** Slices per part handed on (the backbone's batch size). */
  slicesPerPart: number;
}

/** A run of consecutive slices of one file: slices [first, first + count) of `sliceCount`. */
export interface FilePart {
  first: number;
  sliceCount: number;
  slices: MelSlices;
}

export type OnFilePart = (part: FilePart) => void;

/** A file whose front-end finished; its slices went out as parts before this. */
export interface PreparedFile {
  ok: true;
  file: string;
  sliceCount: number;
  seconds: number;
  channelCount: number;
  decoder: 'ffmpeg' | 'wav';
  warnings: string[];
}

export interface FailedFile {
  ok: false;
  file: string;
  error: string;
}

export type PrepareOutcome = PreparedFile | FailedFile;

export async function prepareFile(file: string, settings: PrepareSettings, onPart: OnFilePart): Promise<PrepareOutcome> {
  try {
    const audio = await decodeAudio(file, settings.frontEnd, {
      decoder: settings.decoder,
      ...(settings.ffmpegPath ? { ffmpegPath: settings.ffmpegPath } : {}),
    });
    const done = (sliceCount: number): PreparedFile => ({ ok: true, file, sliceCount, seconds: audio.seconds, channelCount: audio.channelCount, decoder: audio.decoder, warnings: audio.warnings });
    if (settings.dumpStages !== null) {
      const slices = await prepareAndDumpWhole(file, audio, settings, settings.dumpStages);
      if (slices.widths.length > 0) onPart({ first: 0, sliceCount: slices.widths.length, slices });
      return done(slices.widths.length);
    }
    const clip = prepareClipInParts(audio.samples, audio.sampleRate, settings.frontEnd, { shortClip: settings.shortClip, slicesPerPart: settings.slicesPerPart });
    let first = 0;
    for (const slices of clip.parts) {
      if (slices.widths.length === 0) continue;
      onPart({ first, sliceCount: clip.sliceCount, slices });
      first += slices.widths.length;
    }
    return done(clip.sliceCount);
  } catch (e) {
    const message = isMuleError(e) || e instanceof Error ? e.message : String(e);
    return { ok: false, file, error: message.includes(file) ? message : `${file}: ${message}` };
  }
}

async function prepareAndDumpWhole(file: string, audio: DecodedFile, settings: PrepareSettings, dumpStages: string): Promise<MelSlices> {
  const decoded = audio.samples;
  const waveform16k = resampleForModel(decoded, audio.sampleRate, settings.frontEnd.resampling);
  const { mel, slices } = prepareClip(waveform16k, settings.frontEnd, settings.shortClip);
  const dir = join(dumpStages, mirroredName(file));
  await mkdir(dir, { recursive: true });
  await writeNpyFloat32(join(dir, `decoded-${audio.sampleRate}hz-mono.npy`), decoded, [decoded.length]);
  await writeNpyFloat32(join(dir, 'waveform-16k.npy'), waveform16k, [waveform16k.length]);
  await writeNpyFloat32(join(dir, 'mel.npy'), mel!.data, [mel!.nMels, mel!.frames]);
  const width = slices.widths[0] ?? sliceWidth(settings.frontEnd.slicing);
  await writeNpyFloat32(join(dir, 'slices.npy'), slices.data, [slices.widths.length, slices.nMels, width]);
  return slices;
}
