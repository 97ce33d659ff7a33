/**
 * Against genuine upstream: the five cases of ../shared/reference/upstream-goldens (made by the
 * unmodified upstream front-end: mule 1.1.2, librosa 0.9.2, resampy 0.4.3, Debian's ffmpeg). The
 * decoded samples must be exactly upstream's; the waveform, mel and slices within float32 rounding
 * of the float32 arithmetic upstream runs (the bounds below are a margin over what was measured).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MULE_FRONT_END, decodeNpy, extractSlices, logMelSpectrogram, type NDArray } from '@mule-ts/core';
import { upstreamGoldensDir } from '@mule-ts/test-utils';
import { describe, expect, it } from 'vitest';
import { findFfmpeg } from './ffmpeg-decode.js';
import { loadAudio } from './load-audio.js';

const goldens = upstreamGoldensDir();
const ffmpeg = findFfmpeg();
if (!goldens) console.warn('skipping the upstream-golden decoding tests: ../shared/reference/upstream-goldens is absent (or set MULE_UPSTREAM_GOLDENS)');
if (!ffmpeg) console.warn('skipping the upstream-golden decoding tests: ffmpeg is not on PATH (apt-get install ffmpeg)');

interface Index {
  cases: Record<string, { audio: string; slices: number }>;
}
interface Info {
  slice_centres_clamped: number[];
}

// Measured on these five cases: waveform <= 1.2e-7 (one or two float32 steps: our kaiser_best table
// is rebuilt from its figures, 3.5e-11 from resampy's), mel <= 4.2e-6 (log10 of float32 sums after
// that), slices <= 2.8e-6 (the mel's rounding over each slice's std). Bounds: about twice that.
const BOUNDS = { waveform: 2.5e-7, mel: 1e-5, slices: 6e-6 };

const read = async (file: string): Promise<NDArray> => decodeNpy(await readFile(file), file);

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const cases = goldens ? Object.entries((JSON.parse(await readFile(join(goldens, 'index.json'), 'utf8')) as Index).cases) : [];

describe.skipIf(!goldens || !ffmpeg)('decoding and the front-end against genuine upstream outputs', () => {
  it.each(cases)('%s: decoded exactly as upstream; waveform, mel and slices within float32 rounding', async (name, { audio, slices: sliceCount }) => {
    const dir = join(goldens!, name);
    const loaded = await loadAudio(join(dir, audio), MULE_FRONT_END, { decoder: 'ffmpeg', keepDecoded: true });
    const decoded = await read(join(dir, 'decoded_44k.npy'));
    const [channels, n] = decoded.shape as [number, number];
    const upstreamMono = new Float32Array(n);
    const perChannel = decoded.data as Float32Array;
    for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) upstreamMono[i]! += perChannel[c * n + i]!;
    expect(loaded.channelCount).toBe(channels);
    expect(loaded.decoded!.length).toBe(n);
    expect(maxAbs(loaded.decoded!, upstreamMono)).toBe(0);

    const waveformGap = maxAbs(loaded.waveform16k, (await read(join(dir, 'waveform.npy'))).data as Float32Array);
    const mel = logMelSpectrogram(loaded.waveform16k, MULE_FRONT_END.melFrontEnd);
    const upstreamMel = await read(join(dir, 'mel.npy'));
    expect([mel.nMels, mel.frames]).toEqual(upstreamMel.shape);
    const melGap = maxAbs(mel.data, upstreamMel.data as Float32Array);
    const sliced = extractSlices(mel.data, mel.frames, { nMels: mel.nMels, params: MULE_FRONT_END.slicing });
    const info = JSON.parse(await readFile(join(dir, 'info.json'), 'utf8')) as Info;
    expect(sliced.centres).toEqual(info.slice_centres_clamped);
    expect(sliced.slices.length).toBe(sliceCount);
    let slicesGap = 0;
    if (sliceCount > 0) {
      const upstreamSlices = await read(join(dir, 'slices.npy'));
      expect([sliced.slices.length, sliced.nMels, sliced.widths[0]]).toEqual(upstreamSlices.shape);
      slicesGap = maxAbs(sliced.data, upstreamSlices.data as Float32Array);
    }
    console.log(`${name}: ${n} decoded samples x ${channels} ch identical; max-abs waveform ${waveformGap.toExponential(2)}, mel ${melGap.toExponential(2)}, slices ${slicesGap.toExponential(2)}`);
    expect(waveformGap).toBeLessThanOrEqual(BOUNDS.waveform);
    expect(melGap).toBeLessThanOrEqual(BOUNDS.mel);
    expect(slicesGap).toBeLessThanOrEqual(BOUNDS.slices);
  });
});
