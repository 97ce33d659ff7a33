import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describePythonLookup, findPython, makeTempDir, runPython } from '@mule-ts/test-utils';
import { describe, expect, it } from 'vitest';
import { isMuleError } from '../errors/mule-error.js';
import { seededRandom, whiteNoise } from './__fixtures__/test-signals.js';
import { logMelSpectrogram } from './log-mel.js';
import { MULE_MEL_FRONT_END, MULE_SLICING } from './frontend-params.js';
import { extractSlices, sliceCentres } from './slicer.js';

const MULE = { nMels: 96, params: MULE_SLICING };

const lookup = findPython(['numpy']);
if (!lookup.python) console.warn(`skipping the numpy slicing reference test: no python3 with numpy (${describePythonLookup(lookup)})`);

const N_MELS = 96;

/** A (96, frames) log-mel-like matrix (values in [0, 6)), seeded. */
function randomMel(frames: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: N_MELS * frames }, () => 6 * rand());
}

function meanAndStd(values: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(squares / values.length) };
}

// Expected centres written out from the rule (multiples of 200 inside (0, T), minus the chunk
// starts 0, 8000, 16000, ...; clamped to [150, T - 150]); T = 1 + floor(seconds * 16000 / 160).
const FIRST_CHUNK = [
  200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000, 2200, 2400, 2600, 2800, 3000, 3200, 3400, 3600, 3800, 4000,
  4200, 4400, 4600, 4800, 5000, 5200, 5400, 5600, 5800, 6000, 6200, 6400, 6600, 6800, 7000, 7200, 7400, 7600, 7800,
];
const CENTRE_CASES: Array<{ clip: string; frames: number; centres: number[] }> = [
  { clip: '1.5 s', frames: 151, centres: [] },
  { clip: '2.5 s', frames: 251, centres: [101] },
  { clip: '3 s', frames: 301, centres: [151] },
  { clip: '6 s', frames: 601, centres: [200, 400, 451] },
  { clip: '7 s', frames: 701, centres: [200, 400, 551] },
  { clip: '85 s', frames: 8501, centres: [...FIRST_CHUNK, 8200, 8351] },
];

describe('sliceCentres', () => {
  for (const c of CENTRE_CASES) {
    it(`${c.clip} (T = ${c.frames}) -> [${c.centres.length > 6 ? `${c.centres.length} centres` : c.centres.join(', ')}]`, () => {
      expect(sliceCentres(c.frames, MULE_SLICING)).toEqual(c.centres);
    });
  }

  it('85 s gives 41 slices and skips frame 8000', () => {
    const centres = sliceCentres(8501, MULE_SLICING);
    expect(centres).toHaveLength(41);
    expect(centres).not.toContain(8000);
  });

  it('skips every chunk start and lets the last chunk end at T', () => {
    const t16001 = sliceCentres(16_001, MULE_SLICING);
    expect(t16001).toHaveLength(78);
    expect(t16001).not.toContain(8000);
    expect(t16001).not.toContain(16_000);
    expect(t16001.at(-1)).toBe(15_800);
    expect(sliceCentres(16_201, MULE_SLICING).at(-1)).toBe(16_051);
    expect(sliceCentres(0, MULE_SLICING)).toEqual([]);
    expect(sliceCentres(200, MULE_SLICING)).toEqual([]);
    expect(sliceCentres(201, MULE_SLICING)).toEqual([51]);
  });
});

describe('extractSlices', () => {
  it('faithful: 2.5 s gives one slice 49 frames wide (Python negative start), 1.5 s none', () => {
    const clip = logMelSpectrogram(whiteNoise(40_000, 21), MULE_MEL_FRONT_END);
    expect(clip.frames).toBe(251);
    const s = extractSlices(clip.data, clip.frames, MULE);
    expect(s.centres).toEqual([101]);
    expect(s.starts).toEqual([202]);
    expect(s.widths).toEqual([49]);
    expect(s.slices[0]!.length).toBe(96 * 49);
    const short = logMelSpectrogram(whiteNoise(24_000, 22), MULE_MEL_FRONT_END);
    expect(short.frames).toBe(151);
    const none = extractSlices(short.data, short.frames, MULE);
    expect(none.centres).toEqual([]);
    expect(none.data.length).toBe(0);
  });

  it('cuts mel[:, c-150 : c+150] and packs a (K, 96, 300) batch', () => {
    const frames = 701;
    const mel = randomMel(frames, 3);
    const s = extractSlices(mel, frames, MULE);
    expect(s.starts).toEqual([50, 250, 401]);
    expect(s.widths).toEqual([300, 300, 300]);
    expect(s.data.length).toBe(3 * 96 * 300);
    // Standardisation is affine per slice, so each output row is the source row times 1/std, minus mean/std.
    for (const [k, start] of s.starts.entries()) {
      const source: number[] = [];
      for (let m = 0; m < 96; m++) for (let t = 0; t < 300; t++) source.push(mel[m * frames + start + t]!);
      const { mean, std } = meanAndStd(source);
      const slice = s.data.subarray(k * 96 * 300, (k + 1) * 96 * 300);
      expect(s.slices[k]!.buffer).toBe(s.data.buffer);
      expect(s.slices[k]!.byteOffset).toBe(slice.byteOffset);
      for (const j of [0, 299, 300 * 50 + 17, 96 * 300 - 1]) expect(slice[j]!).toBeCloseTo((source[j]! - mean) / std, 5);
    }
  });

  it('standardises each slice to mean 0 and population std 1', () => {
    const s = extractSlices(randomMel(8501, 4), 8501, MULE);
    expect(s.slices).toHaveLength(41);
    for (const slice of s.slices) {
      const { mean, std } = meanAndStd(slice);
      expect(Math.abs(mean)).toBeLessThan(1e-6);
      expect(Math.abs(std - 1)).toBeLessThan(1e-6);
    }
  });

  it('floors the std at 0.01: a constant (silent) slice becomes zeros, a near-constant one is not blown up', () => {
    const frames = 301;
    const silent = extractSlices(new Float32Array(96 * frames), frames, MULE);
    expect(silent.slices[0]!.every((v) => v === 0)).toBe(true);
    // std 0.001 (values 5 +- 0.001), divided by the floor 0.01 instead: +-0.1.
    const nearlyFlat = Float32Array.from({ length: 96 * frames }, (_, i) => (i % 2 === 0 ? 5.001 : 4.999));
    const s = extractSlices(nearlyFlat, frames, MULE);
    const { std } = meanAndStd(s.slices[0]!);
    expect(std).toBeCloseTo(0.1, 3);
  });

  it("'pad': a short clip is right-padded with log-mel silence (0) to one full 96 x 300 slice", () => {
    const frames = 251;
    const mel = randomMel(frames, 5);
    const s = extractSlices(mel, frames, { ...MULE, shortClip: 'pad' });
    expect(s.centres).toEqual([150]);
    expect(s.starts).toEqual([0]);
    expect(s.widths).toEqual([300]);
    const padded: number[] = [];
    for (let m = 0; m < 96; m++) for (let t = 0; t < 300; t++) padded.push(t < frames ? mel[m * frames + t]! : 0);
    const { mean, std } = meanAndStd(padded);
    const slice = s.slices[0]!;
    for (const j of [0, 250, 251, 299, 300 * 95 + 250, 300 * 95 + 251]) expect(slice[j]!).toBeCloseTo((padded[j]! - mean) / std, 5);
    expect(extractSlices(randomMel(151, 6), 151, { ...MULE, shortClip: 'pad' }).widths).toEqual([300]);
    expect(extractSlices(randomMel(1, 6), 1, { ...MULE, shortClip: 'pad' }).widths).toEqual([300]);
    expect(extractSlices(new Float32Array(0), 0, { ...MULE, shortClip: 'pad' }).centres).toEqual([]);
    const long = randomMel(301, 7);
    expect(extractSlices(long, 301, { ...MULE, shortClip: 'pad' })).toEqual(extractSlices(long, 301, MULE));
  });

  it('rejects a mel whose size is not 96 x frames', () => {
    let caught: unknown;
    try {
      extractSlices(new Float32Array(96 * 10 + 1), 10, MULE);
    } catch (e) {
      caught = e;
    }
    expect(isMuleError(caught) && caught.code).toBe('WRONG_SHAPE');
  });

  /**
   * Independent: the chunk walk, the clamp and the slicing written in Python (so Python's own
   * slice semantics apply), standardised with numpy in float64 and in float32 as upstream does.
   */
  it.skipIf(!lookup.python)('matches a Python/numpy slicer on 1.5, 2.5, 3, 6, 7 and 85 s mels', async () => {
    const script = String.raw`
import json, sys
import numpy as np
folder, frames_list = sys.argv[1], json.loads(sys.argv[2])
result = []
for i, T in enumerate(frames_list):
    mel = np.fromfile(folder + '/mel%d.f32' % i, dtype='<f4').reshape(96, T)
    bounds = list(range(0, T, 8000)) + [T]
    centres = []
    for s, e in zip(bounds[:-1], bounds[1:]):
        centres += [t for t in range(0, e, 200) if t > s]
    centres = [min(max(c, 150), T - 150) for c in centres]
    out64, out32, widths = [], [], []
    for c in centres:
        piece = mel[:, c - 150:c + 150]
        widths.append(piece.shape[1])
        x = piece.astype(np.float64)
        out64.append(((x - x.mean()) / max(x.std(), 0.01)).ravel())
        y = piece.copy()
        y -= np.mean(y)
        std = np.maximum(np.nan_to_num(np.std(y), nan=1.0, posinf=1.0, neginf=1.0), np.float32(0.01))
        out32.append((y / std).ravel())
    np.concatenate(out64 or [np.zeros(0)]).astype('<f8').tofile(folder + '/slices64_%d.f64' % i)
    np.concatenate(out32 or [np.zeros(0, np.float32)]).astype('<f4').tofile(folder + '/slices32_%d.f32' % i)
    result.append({'centres': centres, 'widths': widths})
print(json.dumps(result))`;
    const frameList = CENTRE_CASES.map((c) => c.frames);
    const { dir, cleanup } = await makeTempDir('mule-ts-slicer-');
    try {
      const mels = frameList.map((T, i) => randomMel(T, 100 + i));
      for (const [i, mel] of mels.entries()) await writeFile(join(dir, `mel${i}.f32`), mel);
      const reference = JSON.parse(runPython(lookup.python!, script, [dir, JSON.stringify(frameList)])) as Array<{
        centres: number[];
        widths: number[];
      }>;
      for (const [i, T] of frameList.entries()) {
        const ours = extractSlices(mels[i]!, T, MULE);
        expect(ours.centres, `T = ${T}`).toEqual(reference[i]!.centres);
        expect(ours.widths, `T = ${T}`).toEqual(reference[i]!.widths);
        const bytes64 = await readFile(join(dir, `slices64_${i}.f64`));
        const bytes32 = await readFile(join(dir, `slices32_${i}.f32`));
        const ref64 = new Float64Array(bytes64.buffer, bytes64.byteOffset, bytes64.byteLength / 8);
        const ref32 = new Float32Array(bytes32.buffer, bytes32.byteOffset, bytes32.byteLength / 4);
        expect(ours.data.length).toBe(ref64.length);
        let maxAbs64 = 0;
        let maxAbs32 = 0;
        for (let j = 0; j < ref64.length; j++) {
          maxAbs64 = Math.max(maxAbs64, Math.abs(ours.data[j]! - ref64[j]!));
          maxAbs32 = Math.max(maxAbs32, Math.abs(ours.data[j]! - ref32[j]!));
        }
        console.log(`slices T = ${T}: ${ours.centres.length} slices, max-abs ${maxAbs64.toExponential(2)} vs numpy float64, ${maxAbs32.toExponential(2)} vs upstream's float32 path`);
        expect(maxAbs64).toBeLessThanOrEqual(1e-6);
        expect(maxAbs32).toBeLessThanOrEqual(1e-5);
      }
    } finally {
      await cleanup();
    }
  });
});
