// --audio: files are decoded by the runtime's loadAudio (ffmpeg or the WAV reader) to the shared
// mono input; checked against the PCM written here, reduced by the upstream formula.
import { MULE_FRONT_END } from '@mule-ts/core';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFfmpeg } from '@mule-ts/runtime';
import { encodePcm16Wav, makeTempDir } from '@mule-ts/test-utils';
import { ndarray, writeNpy } from '../npy/index.js';
import { DECODING_NOT_COMPARED, readParityAudio, testSignalAudio } from './read-audio.js';
import { generateTestSignal, upstreamMono } from './test-signal.js';

const ffmpeg = findFfmpeg();
if (!ffmpeg) console.warn('skipping the ffmpeg --audio test: ffmpeg is not on PATH');

describe('parity audio', () => {
  let dir = '';
  let cleanup = async (): Promise<void> => {};
  const pcm = generateTestSignal({ seconds: 1, seed: 9 });
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mule-verify-audio-'));
    await writeFile(join(dir, 'clip.wav'), encodePcm16Wav(pcm));
  });
  afterAll(() => cleanup());

  it('the default is the 7 s stereo 44.1 kHz test signal, int16 / 2^16 with channels summed', () => {
    const audio = testSignalAudio();
    expect(audio.sampleRate).toBe(44_100);
    expect(audio.samples).toEqual(upstreamMono(generateTestSignal({ seconds: 7, sampleRate: 44_100, seed: 1 })));
    expect(audio.description).toMatch(/7 s stereo 16-bit PCM at 44\.1 kHz/);
  });

  it('a 44.1 kHz WAV through the WAV reader: the file PCM, summed the upstream way, decoding noted as not compared', async () => {
    const audio = await readParityAudio(join(dir, 'clip.wav'), MULE_FRONT_END, 'wav');
    expect(audio.sampleRate).toBe(44_100);
    expect(audio.samples).toEqual(upstreamMono(pcm));
    expect(audio.notes).toContain(DECODING_NOT_COMPARED);
  });

  it.skipIf(!ffmpeg)('the same WAV through ffmpeg gives the same samples', async () => {
    const audio = await readParityAudio(join(dir, 'clip.wav'), MULE_FRONT_END, 'ffmpeg');
    expect(audio.description).toMatch(/2-channel audio decoded by ffmpeg: 1\.00 s at 44\.1 kHz/);
    expect(audio.samples).toEqual(upstreamMono(pcm));
  });

  it('a .npy is taken as a 44.1 kHz mono waveform; a 2-D one is refused', async () => {
    const mono = upstreamMono(pcm);
    await writeNpy(join(dir, 'mono.npy'), ndarray(mono, [mono.length]));
    const audio = await readParityAudio(join(dir, 'mono.npy'), MULE_FRONT_END);
    expect(audio).toMatchObject({ sampleRate: 44_100, notes: [] });
    expect(audio.samples).toEqual(mono);
    await writeNpy(join(dir, 'stereo.npy'), ndarray(new Float32Array(4), [2, 2]));
    await expect(readParityAudio(join(dir, 'stereo.npy'), MULE_FRONT_END)).rejects.toThrow(/want a non-empty 1-D float32\/float64 44\.1 kHz mono waveform/);
  });
});
