/**
 * The per-file work that runs off the main thread: decode, resample to 16 kHz, log-mel, slices
 * (and, with --dump-stages, write those stages as .npy). The backbone runs on the main thread.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isMuleError, prepareClip, sliceWidth, type FrontEndParams, type MelSlices, type ShortClipMode } from '@mule-ts/core';
import { loadAudio, type AudioDecoder } from '../audio/index.js';

import { writeNpyFloat32 } from '../npy/index.js';
import { mirroredName } from './collect-inputs.js';

export interface PrepareSettings {
  /** Every front-end parameter, from the model's config.json. */
  frontEnd: FrontEndParams;
  shortClip: ShortClipMode;
  decoder: AudioDecoder;
  ffmpegPath: string | null;
  dumpStages: string | null;
}

export interface PreparedFile {
  ok: true;
  file: string;
  slices: MelSlices;
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

export async function prepareFile(file: string, settings: PrepareSettings): Promise<PrepareOutcome> {
  try {
    const audio = await loadAudio(file, settings.frontEnd, {
      decoder: settings.decoder,
      ...(settings.ffmpegPath ? { ffmpegPath: settings.ffmpegPath } : {}),
      keepDecoded: settings.dumpStages !== null,
    });
    const { mel, slices } = prepareClip(audio.waveform16k, settings.frontEnd, settings.shortClip);
    if (settings.dumpStages !== null) {
      const dir = join(settings.dumpStages, mirroredName(file));
      await mkdir(dir, { recursive: true });
      const decoded = audio.decoded!;
      await writeNpyFloat32(join(dir, `decoded-${audio.decodedSampleRate}hz-mono.npy`), decoded, [decoded.length]);
      await writeNpyFloat32(join(dir, 'waveform-16k.npy'), audio.waveform16k, [audio.waveform16k.length]);
      await writeNpyFloat32(join(dir, 'mel.npy'), mel!.data, [mel!.nMels, mel!.frames]);
      const width = slices.widths[0] ?? sliceWidth(settings.frontEnd.slicing);
      await writeNpyFloat32(join(dir, 'slices.npy'), slices.data, [slices.widths.length, slices.nMels, width]);
    }
    // the mel itself is not needed after slicing; drop it before the result crosses threads
    return { ok: true, file, slices, seconds: audio.seconds, channelCount: audio.channelCount, decoder: audio.decoder, warnings: audio.warnings };
  } catch (e) {
    const message = isMuleError(e) || e instanceof Error ? e.message : String(e);
    return { ok: false, file, error: message };
  }
}
