/** Seeded test waveforms at 16 kHz, amplitudes within upstream's [-0.5, 0.5) convention. */
import { mulberry32 } from '@mule-ts/test-utils';

export const SAMPLE_RATE = 16_000;

/** A seeded PRNG, uniform in [0, 1). */
export const seededRandom = mulberry32;

/** Chords (triads with harmonics, a new one every 0.5 s), percussive noise bursts every 0.25 s, white noise. */
export function musicLikeSignal(seconds: number, seed = 1): Float32Array {
  const rand = seededRandom(seed);
  const n = Math.round(seconds * SAMPLE_RATE);
  const out = new Float64Array(n);
  const roots = [110, 130.81, 146.83, 164.81, 196, 220];
  const chordSamples = SAMPLE_RATE / 2;
  for (let start = 0; start < n; start += chordSamples) {
    const root = roots[Math.floor(rand() * roots.length)]!;
    const notes = [root, root * 1.2599, root * 1.4983];
    const phases = notes.map(() => rand() * 2 * Math.PI);
    for (let i = start; i < Math.min(n, start + chordSamples); i++) {
      const t = (i - start) / SAMPLE_RATE;
      const envelope = Math.min(1, t / 0.01) * Math.exp(-t * 2);
      let v = 0;
      notes.forEach((f, j) => {
        for (let h = 1; h <= 4; h++) v += Math.sin(2 * Math.PI * f * h * t + phases[j]! * h) / h;
      });
      out[i]! += 0.05 * envelope * v;
    }
  }
  const burstSamples = SAMPLE_RATE / 4;
  for (let start = 0; start < n; start += burstSamples) {
    const gain = 0.1 + 0.2 * rand();
    for (let i = start; i < Math.min(n, start + 2400); i++) {
      out[i]! += gain * (2 * rand() - 1) * Math.exp(-(i - start) / 480);
    }
  }
  for (let i = 0; i < n; i++) out[i]! += 0.005 * (2 * rand() - 1);
  let peak = 0;
  for (const v of out) peak = Math.max(peak, Math.abs(v));
  return Float32Array.from(out, (v) => (0.45 * v) / peak);
}

/** An exponential sine sweep from f0 to f1 Hz. */
export function sineSweep(seconds: number, f0 = 30, f1 = 7900, amplitude = 0.4): Float32Array {
  const n = Math.round(seconds * SAMPLE_RATE);
  const k = Math.log(f1 / f0);
  return Float32Array.from({ length: n }, (_, i) => {
    const t = i / SAMPLE_RATE;
    return amplitude * Math.sin(((2 * Math.PI * f0 * seconds) / k) * (Math.exp((t / seconds) * k) - 1));
  });
}

/** Uniform white noise in [-amplitude, amplitude). */
export function whiteNoise(samples: number, seed = 7, amplitude = 0.3): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: samples }, () => amplitude * (2 * rand() - 1));
}
