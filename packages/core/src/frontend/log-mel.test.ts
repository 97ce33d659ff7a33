import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describePythonLookup, findPython, makeTempDir, runPython } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMuleError } from '../errors/mule-error.js';
import { musicLikeSignal, SAMPLE_RATE, sineSweep, whiteNoise } from './__fixtures__/test-signals.js';
import { MULE_MEL_FRONT_END } from './frontend-params.js';
import { logMelSpectrogram } from './log-mel.js';
import { melFilterbank } from './mel-filterbank.js';

const lookup = findPython(['numpy']);
if (!lookup.python) console.warn(`skipping the numpy log-mel reference tests: no python3 with numpy (${describePythonLookup(lookup)})`);

/** Parity bound in the log-mel domain, and for the filterbank weights. */
// Our float32 output against the float64 formula: measured <= 2.4e-7 (half a float32 step at |log-mel|
// ~6-8); against librosa's own float32 path (complex64 STFT, float32 einsum and log10): <= 9.6e-7.
const LOG_MEL_ATOL = 1e-6;
const LOG_MEL_FLOAT32_ATOL = 4e-6;
const FILTERBANK_ATOL = 1e-7;

/**
 * An independent numpy reference of librosa 0.9.2 `melspectrogram` as upstream MULE calls it,
 * written from the formulas (no librosa here): float64 throughout, except that the filterbank is
 * rounded to float32 where librosa stores it. A second output follows librosa's own precision
 * (complex64 STFT, float32 |X|^2, einsum and log10) to show what those roundings cost.
 */
const NUMPY_REFERENCE = String.raw`
import json, sys
import numpy as np
folder, count = sys.argv[1], int(sys.argv[2])
sr, n_fft, hop, win, n_mels, fmin, fmax = 16000, 2048, 160, 400, 96, 0.0, 8000.0

# periodic Hann: the first win points of a symmetric window of win + 1 points, centred in n_fft
k = np.arange(win + 1)
symmetric = 0.5 * (1.0 - np.cos(2.0 * np.pi * k / win))
window = np.zeros(n_fft)
left = (n_fft - win) // 2
window[left:left + win] = symmetric[:win]

def hz_to_mel(f): return 2595.0 * np.log10(1.0 + f / 700.0)
def mel_to_hz(m): return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
bin_hz = np.linspace(0.0, sr / 2.0, 1 + n_fft // 2)
edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
triangles = np.zeros((n_mels, bin_hz.size))
for m in range(n_mels):
    rising = (bin_hz - edges[m]) / (edges[m + 1] - edges[m])
    falling = (edges[m + 2] - bin_hz) / (edges[m + 2] - edges[m + 1])
    triangles[m] = np.clip(np.minimum(rising, falling), 0.0, None)
triangles = triangles.astype(np.float32).astype(np.float64)
l2 = np.sqrt(np.sum(triangles * triangles, axis=1, keepdims=True))
l2[l2 < np.finfo(np.float32).tiny] = 1.0
filters32 = (triangles / l2).astype(np.float32)
filters32.astype('<f8').tofile(folder + '/filterbank.f64')

def compress(mel):
    with np.errstate(divide='ignore', invalid='ignore'):
        out = np.log10(10000.0 * mel + 1.0)
    return np.nan_to_num(out, nan=-9999999999.0, posinf=-9999999999.0, neginf=-9999999999.0)

frames_out = []
for i in range(count):
    y = np.fromfile(folder + '/signal%d.f32' % i, dtype='<f4')
    padded = np.pad(y, n_fft // 2, mode='reflect')
    frames = 1 + (padded.size - n_fft) // hop
    index = hop * np.arange(frames)[:, None] + np.arange(n_fft)[None, :]
    spectrum = np.fft.rfft(padded[index].astype(np.float64) * window, axis=1)
    power = spectrum.real ** 2 + spectrum.imag ** 2
    compress(filters32.astype(np.float64) @ power.T).astype('<f8').tofile(folder + '/logmel%d.f64' % i)
    power32 = np.abs(spectrum.astype(np.complex64)) ** 2.0
    mel32 = np.einsum('tf,mf->mt', power32, filters32, optimize=True)
    compress(mel32).astype('<f4').tofile(folder + '/logmel32_%d.f32' % i)
    frames_out.append(int(frames))
print(json.dumps(frames_out))
`;

interface Case {
  name: string;
  signal: Float32Array;
  /** 1 + floor(n / 160), written out by hand. */
  expectedFrames: number;
}

const CASES: Case[] = [
  { name: '7 s music-like (chords, noise bursts, white noise)', signal: musicLikeSignal(7), expectedFrames: 701 },
  { name: '5 s sine sweep 30 Hz - 7.9 kHz', signal: sineSweep(5), expectedFrames: 501 },
  { name: '2 s silence', signal: new Float32Array(2 * SAMPLE_RATE), expectedFrames: 201 },
  { name: '1500 samples of noise (shorter than n_fft)', signal: whiteNoise(1500, 3), expectedFrames: 10 },
  { name: '1023 samples (one short of the pad)', signal: whiteNoise(1023, 4), expectedFrames: 7 },
  { name: '100 samples (reflected ~10 times)', signal: whiteNoise(100, 5), expectedFrames: 1 },
  { name: '2 samples', signal: Float32Array.of(0.25, -0.125), expectedFrames: 1 },
  { name: '1 sample (numpy repeats it)', signal: Float32Array.of(0.3), expectedFrames: 1 },
];

describe('logMelSpectrogram', () => {
  it('has 1 + floor(n / 160) frames and (96, T) row-major layout', () => {
    for (const c of CASES) {
      const mel = logMelSpectrogram(c.signal, MULE_MEL_FRONT_END);
      expect(mel.frames, c.name).toBe(c.expectedFrames);
      expect(mel.nMels).toBe(96);
      expect(mel.data.length).toBe(96 * c.expectedFrames);
    }
  });

  it('gives log10(1) = 0 everywhere for silence', () => {
    const mel = logMelSpectrogram(new Float64Array(16_000), MULE_MEL_FRONT_END);
    expect(mel.data.every((v) => v === 0)).toBe(true);
  });

  it('rounds a Float64Array waveform to float32 first, as upstream stores it', () => {
    const signal = musicLikeSignal(1, 9);
    const wide = Float64Array.from(signal, (v, i) => v + (i % 2 === 0 ? 1e-12 : -1e-12));
    expect(logMelSpectrogram(wide, MULE_MEL_FRONT_END).data).toEqual(logMelSpectrogram(signal, MULE_MEL_FRONT_END).data);
  });

  it('rejects an empty or non-finite waveform with a MuleError', () => {
    for (const [signal, code] of [
      [new Float32Array(0), 'WRONG_SHAPE'],
      [Float32Array.of(0, Number.NaN, 0), 'NON_FINITE'],
      [Float64Array.of(0, Number.POSITIVE_INFINITY), 'NON_FINITE'],
    ] as const) {
      let caught: unknown;
      try {
        logMelSpectrogram(signal, MULE_MEL_FRONT_END);
      } catch (e) {
        caught = e;
      }
      expect(isMuleError(caught) && caught.code).toBe(code);
    }
  });

  it('rejects unsupported front-end parameters', () => {
    expect(() => logMelSpectrogram(new Float32Array(10), { ...MULE_MEL_FRONT_END, padMode: 'constant' as 'reflect' })).toThrow(/pad mode/);
  });

  it('reports its throughput on a 60 s clip (information only)', () => {
    const clip = musicLikeSignal(60, 11);
    logMelSpectrogram(clip.subarray(0, SAMPLE_RATE), MULE_MEL_FRONT_END);
    const t0 = performance.now();
    const mel = logMelSpectrogram(clip, MULE_MEL_FRONT_END);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`log-mel throughput: 60 s clip in ${(seconds * 1000).toFixed(1)} ms = ${(60 / seconds).toFixed(0)} audio-seconds per second`);
    expect(mel.frames).toBe(6001);
  });
});

describe.skipIf(!lookup.python)('logMelSpectrogram against an independent numpy reference', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  let referenceFrames: number[] = [];

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mule-ts-logmel-'));
    for (const [i, c] of CASES.entries()) await writeFile(join(dir, `signal${i}.f32`), c.signal);
    referenceFrames = JSON.parse(runPython(lookup.python!, NUMPY_REFERENCE, [dir, String(CASES.length)])) as number[];
  });
  afterAll(async () => cleanup());

  async function readF64(name: string): Promise<Float64Array> {
    const bytes = await readFile(join(dir, name));
    return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  }

  async function readF32(name: string): Promise<Float32Array> {
    const bytes = await readFile(join(dir, name));
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  }

  it(`matches the float64 formula within ${LOG_MEL_ATOL} (max-abs, log-mel domain) on every signal`, async () => {
    for (const [i, c] of CASES.entries()) {
      const mel = logMelSpectrogram(c.signal, MULE_MEL_FRONT_END);
      expect(mel.frames, c.name).toBe(referenceFrames[i]);
      const reference = await readF64(`logmel${i}.f64`);
      const librosaPrecision = await readF32(`logmel32_${i}.f32`);
      expect(reference.length).toBe(mel.data.length);
      let maxAbs = 0;
      let maxAbs32 = 0;
      let peak = 0;
      for (let j = 0; j < reference.length; j++) {
        maxAbs = Math.max(maxAbs, Math.abs(mel.data[j]! - reference[j]!));
        maxAbs32 = Math.max(maxAbs32, Math.abs(mel.data[j]! - librosaPrecision[j]!));
        peak = Math.max(peak, Math.abs(reference[j]!));
      }
      console.log(
        `log-mel ${c.name}: max-abs ${maxAbs.toExponential(2)} vs float64 numpy, ${maxAbs32.toExponential(2)} vs librosa's float32 path ` +
          `(bounds ${LOG_MEL_ATOL} and ${LOG_MEL_FLOAT32_ATOL}, margin x${(LOG_MEL_ATOL / Math.max(maxAbs, 1e-30)).toExponential(1)}; peak |log-mel| ${peak.toFixed(2)})`,
      );
      expect(maxAbs, c.name).toBeLessThanOrEqual(LOG_MEL_ATOL);
      expect(maxAbs32, c.name).toBeLessThanOrEqual(LOG_MEL_FLOAT32_ATOL);
    }
  });

  it(`builds the filterbank within ${FILTERBANK_ATOL} of numpy, with unit L2 rows`, async () => {
    const reference = await readF64('filterbank.f64');
    const fb = melFilterbank(MULE_MEL_FRONT_END);
    expect([fb.nMels, fb.nBins]).toEqual([96, 1025]);
    expect(reference.length).toBe(fb.weights.length);
    let maxAbs = 0;
    for (let j = 0; j < reference.length; j++) maxAbs = Math.max(maxAbs, Math.abs(fb.weights[j]! - reference[j]!));
    console.log(`mel filterbank: max-abs ${maxAbs.toExponential(2)} vs numpy (bound ${FILTERBANK_ATOL})`);
    expect(maxAbs).toBeLessThanOrEqual(FILTERBANK_ATOL);
    for (let m = 0; m < fb.nMels; m++) {
      let sumSquares = 0;
      for (let k = 0; k < fb.nBins; k++) {
        const w = fb.weights[m * fb.nBins + k]!;
        sumSquares += w * w;
        if (k < fb.bandStart[m]! || k >= fb.bandEnd[m]!) expect(w, `filter ${m} bin ${k} outside its band`).toBe(0);
      }
      expect(Math.abs(Math.sqrt(sumSquares) - 1), `filter ${m} L2 norm`).toBeLessThan(1e-6);
    }
  });
});
