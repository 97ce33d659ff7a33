// resample / resampleTo16k against Debian's python3-resampy 0.4.2 (numba), the genuine resampy loop:
// fed Debian's own filter table the TypeScript loop must reproduce it to the last bits (float64
// and float32 inputs); with the upstream table the gap is the known ~1e-6 of Debian's rebuilt table.
// The Python reference (packages/verify) is compared in @mule-ts/verify's tests.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePythonLookup, findPython, makeTempDir, runPython } from '@mule-ts/test-utils';
import { isMuleError } from '../errors/mule-error.js';
import type { KaiserSincFilter } from './kaiser-sinc-filter.js';
import { resample, resampledLength, resampleWithFilter } from './resample.js';
import { KAISER_BEST, MULE_RESAMPLING } from '../frontend/frontend-params.js';
import { fixLength, librosaResampledLength, resampleForModel } from './resample-for-model.js';

const resampleTo16k = <T extends Float32Array | Float64Array>(x: T, rate: number): T => resampleForModel(x, rate, MULE_RESAMPLING);

const lookup = findPython(['numpy', 'resampy']);
if (!lookup.python) console.warn(`skipping the resampy comparisons: no python3 with numpy and resampy (${describePythonLookup(lookup)})`);
const numpyLookup = findPython(['numpy']);

async function readBinary<T extends Float32Array | Float64Array>(path: string, type: 'f4' | 'f8'): Promise<T> {
  const bytes = await readFile(path);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return (type === 'f4' ? new Float32Array(buffer) : new Float64Array(buffer)) as T;
}

interface Gap {
  maxAbs: number;
  exactFraction: number;
}

function gap(a: ArrayLike<number>, b: ArrayLike<number>): Gap {
  expect(a.length).toBe(b.length);
  let maxAbs = 0;
  let exact = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    maxAbs = Math.max(maxAbs, d);
    if (d === 0) exact++;
  }
  return { maxAbs, exactFraction: a.length === 0 ? 1 : exact / a.length };
}

function caughtCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isMuleError(e) ? e.code : `not a MuleError: ${String(e)}`;
  }
  return undefined;
}

// A seeded 7 s music-like stereo 44.1 kHz int16 signal (chords, percussive bursts, noise), made
// mono the upstream way (int16 / 2**16 in float32, channels summed); other rates derived from it.
const MAKE_SIGNALS = `
import json, os, sys
import numpy as np
import resampy
out = sys.argv[1]
rng = np.random.default_rng(20240607)
sr = 44100
t = np.arange(7 * sr) / sr
left = np.zeros(t.size); right = np.zeros(t.size)
for start in np.arange(0, 7, 0.5):
    root = rng.choice([110.0, 130.81, 146.83, 196.0])
    seg = (t >= start) & (t < start + 0.5)
    tt = t[seg] - start
    env = np.minimum(1, tt / 0.01) * np.exp(-2 * tt)
    for ratio in (1.0, 1.2599, 1.4983):
        for h in range(1, 6):
            tone = env * np.sin(2 * np.pi * root * ratio * h * tt + rng.uniform(0, 2 * np.pi)) / h
            left[seg] += 0.12 * tone; right[seg] += 0.1 * tone
for start in np.arange(0, 7, 0.25):
    seg = (t >= start) & (t < start + 0.08)
    burst = rng.standard_normal(seg.sum()) * np.exp(-40 * (t[seg] - start)) * rng.uniform(0.1, 0.4)
    left[seg] += burst; right[seg] += 0.8 * burst
left += 0.01 * rng.standard_normal(t.size); right += 0.01 * rng.standard_normal(t.size)
pcm = np.clip(np.round(np.stack([left, right]) * 32767), -32768, 32767).astype(np.int16)
mono = np.sum((pcm / 2.0**16).astype(np.float32), axis=0)
signals = {"music_44100": (mono, 44100), "music_22050": (mono[::2].copy(), 22050), "music_48000": (mono[: 5 * 48000].copy(), 48000),
           "music_8000": (mono[: 8000 * 2].copy(), 8000), "len_3": (mono[1000:1003].copy(), 44100), "len_100": (mono[5000:5100].copy(), 44100),
           "len_441": (mono[7000:7441].copy(), 44100), "len_1000": (mono[9000:10000].copy(), 44100)}
table = np.load(os.path.join(os.path.dirname(resampy.__file__), "data", "kaiser_best.npz"))["half_window"]
table.astype("<f8").tofile(os.path.join(out, "debian-table.bin"))
meta = {}
for name, (x, rate) in signals.items():
    x.astype("<f4").tofile(os.path.join(out, name + ".x.bin"))
    resampy.resample(x, rate, 16000).astype("<f4").tofile(os.path.join(out, name + ".f32.bin"))
    resampy.resample(x.astype(np.float64), rate, 16000).astype("<f8").tofile(os.path.join(out, name + ".f64.bin"))
    meta[name] = {"rate": rate, "n": int(x.size)}
refusals = []
for n in (1, 2):
    try:
        resampy.resample(np.zeros(n, dtype=np.float32), 44100, 16000)
        refusals.append(None)
    except ValueError as e:
        refusals.append(str(e))
print(json.dumps({"signals": meta, "refusals": refusals}))
`;

interface SignalsMeta {
  signals: Record<string, { rate: number; n: number }>;
  refusals: Array<string | null>;
}

describe.skipIf(!lookup.python)('resample against Debian python3-resampy', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  let meta: SignalsMeta;
  let debianFilter: KaiserSincFilter;
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mule-resample-'));
    meta = JSON.parse(runPython(lookup.python!, MAKE_SIGNALS, [dir])) as SignalsMeta;
    debianFilter = { halfWindow: await readBinary<Float64Array>(join(dir, 'debian-table.bin'), 'f8'), precision: 8192, rolloff: 0.917347 };
  });
  afterAll(() => cleanup());

  const input = (name: string): Promise<Float32Array> => readBinary<Float32Array>(join(dir, `${name}.x.bin`), 'f4');

  it("reproduces resampy's loop bit for bit when given resampy's table (float64 and float32 inputs, 44.1/22.05/48/8 kHz, short inputs)", async () => {
    for (const [name, { rate }] of Object.entries(meta.signals)) {
      const x32 = await input(name);
      const x64 = Float64Array.from(x32);
      const want64 = await readBinary<Float64Array>(join(dir, `${name}.f64.bin`), 'f8');
      const want32 = await readBinary<Float32Array>(join(dir, `${name}.f32.bin`), 'f4');
      const got64 = resampleWithFilter(x64, rate, 16_000, debianFilter);
      const got32 = resampleWithFilter(x32, rate, 16_000, debianFilter);
      expect(got64).toBeInstanceOf(Float64Array);
      expect(got32).toBeInstanceOf(Float32Array);
      expect(got64.length, name).toBe(resampledLength(x32.length, rate, 16_000));
      const g64 = gap(got64, want64);
      const g32 = gap(got32, want32);
      console.log(`${name} (${x32.length} @ ${rate} Hz -> ${got64.length}): float64 max-abs ${g64.maxAbs.toExponential(2)} (${(100 * g64.exactFraction).toFixed(2)}% identical); float32 max-abs ${g32.maxAbs.toExponential(2)} (${(100 * g32.exactFraction).toFixed(2)}% identical)`);
      expect(g64.maxAbs, name).toBeLessThanOrEqual(1e-12);
      // float32: the running sum is rounded after every tap, as numba does; summing in float64 and
      // rounding once would leave a few percent of samples one ulp away.
      expect(g32.exactFraction, name).toBeGreaterThanOrEqual(0.999);
      expect(g32.maxAbs, name).toBeLessThanOrEqual(1e-7);
    }
  });

  it('rounds after every tap on float32 input (not once at the end)', async () => {
    const x32 = await input('music_44100');
    const once = Float32Array.from(resampleWithFilter(Float64Array.from(x32), 44_100, 16_000, debianFilter));
    const want32 = await readBinary<Float32Array>(join(dir, 'music_44100.f32.bin'), 'f4');
    const g = gap(once, want32);
    console.log(`float64 sum rounded once vs resampy float32: ${(100 * (1 - g.exactFraction)).toFixed(2)}% of samples differ, max-abs ${g.maxAbs.toExponential(2)}`);
    expect(g.exactFraction).toBeLessThan(0.99);
  });

  it("with the upstream table stays within 1e-5 of Debian's resampy + fix_length (known gap ~1e-6)", async () => {
    for (const name of ['music_44100', 'music_22050', 'music_48000']) {
      const { rate } = meta.signals[name]!;
      const x32 = await input(name);
      const debian = await readBinary<Float64Array>(join(dir, `${name}.f64.bin`), 'f8');
      const ours = resampleTo16k(Float64Array.from(x32), rate);
      expect(ours.length).toBe(librosaResampledLength(x32.length, rate, 16_000));
      const g = gap(ours, fixLength(debian, ours.length));
      console.log(`${name}: resampleTo16k (upstream table) vs Debian resampy: max-abs ${g.maxAbs.toExponential(2)}`);
      expect(g.maxAbs).toBeLessThan(1e-5);
      expect(g.maxAbs).toBeGreaterThan(0); // the tables do differ: this compares two filters, not one with itself
    }
  });

  it('refuses 1 and 2 samples at 44.1 kHz as resampy does', () => {
    expect(meta.refusals.every((r) => r !== null && /too small/.test(r))).toBe(true);
    for (const n of [1, 2]) {
      expect(caughtCode(() => resample(new Float32Array(n), 44_100, 16_000, KAISER_BEST))).toBe('INVALID_INPUT');
      expect(caughtCode(() => resampleTo16k(new Float32Array(n), 44_100))).toBe('INVALID_INPUT');
    }
    expect(resample(new Float32Array(3), 44_100, 16_000, KAISER_BEST).length).toBe(1);
  });
});

describe('output lengths', () => {
  it('are floor (resampy) and ceil (librosa) of n * 16000 / rate: 100 -> 36 then 37, 441 -> 160 both', () => {
    expect(resampledLength(100, 44_100, 16_000)).toBe(36);
    expect(librosaResampledLength(100, 44_100, 16_000)).toBe(37);
    expect(resampledLength(441, 44_100, 16_000)).toBe(160);
    expect(librosaResampledLength(441, 44_100, 16_000)).toBe(160);
    expect(resampleTo16k(new Float32Array(100).fill(0.25), 44_100).length).toBe(37);
    expect(resampleTo16k(new Float32Array(441).fill(0.25), 44_100).length).toBe(160);
  });

  it.skipIf(!numpyLookup.python)('equal int(n * 16000.0 / sr) and int(np.ceil(n * (16000 / sr))) evaluated by numpy', () => {
    const lengths = [...Array.from({ length: 3000 }, (_, i) => i + 1), ...Array.from({ length: 3000 }, (_, i) => 441 * (i + 1)), 79_380_000, 1_323_000, 7_938_001];
    const rates = [44_100, 22_050, 48_000, 8000, 11_025, 32_000, 96_000];
    const script = `
import json, sys
import numpy as np
req = json.loads(sys.stdin.read())
print(json.dumps({str(sr): [[int(n * float(16000) / float(sr)), int(np.ceil(n * (float(16000) / sr)))] for n in req["lengths"]] for sr in req["rates"]}))`;
    const expected = JSON.parse(runPython(numpyLookup.python!, script, [], JSON.stringify({ lengths, rates }))) as Record<string, Array<[number, number]>>;
    for (const rate of rates) {
      lengths.forEach((n, i) => {
        expect([resampledLength(n, rate, 16_000), librosaResampledLength(n, rate, 16_000)], `${n} @ ${rate}`).toEqual(expected[String(rate)]![i]);
      });
    }
  });
});

describe('resampleTo16k', () => {
  it('returns 16 kHz input as an equal copy of the same type', () => {
    const x = Float32Array.from([0.1, -0.2, 0.3]);
    const y = resampleTo16k(x, 16_000);
    expect(y).toBeInstanceOf(Float32Array);
    expect(y).not.toBe(x);
    expect(Array.from(y)).toEqual(Array.from(x));
  });

  it('refuses a non-finite sample (librosa valid_audio), even at 16 kHz', () => {
    expect(caughtCode(() => resampleTo16k(Float32Array.from([0, Number.NaN, 0]), 16_000))).toBe('NON_FINITE');
    expect(caughtCode(() => resampleTo16k(Float64Array.from({ length: 1000 }, (_, i) => (i === 500 ? Infinity : 0)), 44_100))).toBe('NON_FINITE');
  });

  it('refuses a non-positive sample rate', () => {
    expect(caughtCode(() => resampleTo16k(new Float32Array(1000), 0))).toBe('INVALID_INPUT');
    expect(caughtCode(() => resample(new Float32Array(1000), 44_100, Number.NaN, KAISER_BEST))).toBe('INVALID_INPUT');
  });

  it('passes a 1 kHz tone at 44.1 kHz through with unit gain, and removes a 9 kHz one (above the new Nyquist)', () => {
    const tone = (f: number): Float64Array => Float64Array.from({ length: 44_100 }, (_, i) => Math.sin((2 * Math.PI * f * i) / 44_100));
    const low = resampleTo16k(tone(1000), 44_100);
    const high = resampleTo16k(tone(9000), 44_100);
    let worst = 0;
    let leak = 0;
    for (let i = 2000; i < 14_000; i++) {
      worst = Math.max(worst, Math.abs(low[i]! - Math.sin((2 * Math.PI * 1000 * i) / 16_000)));
      leak = Math.max(leak, Math.abs(high[i]!));
    }
    expect(worst).toBeLessThan(1e-4);
    expect(leak).toBeLessThan(1e-4);
  });

  // How fast is for `pnpm bench embed` to say (it times the resampler on a 3-minute track); here only
  // that a long input goes through whole.
  it('resamples a 3-minute 44.1 kHz track (filter built once)', () => {
    const x = new Float32Array(44_100 * 180);
    let seed = 1;
    for (let i = 0; i < x.length; i++) {
      seed = (seed * 1_103_515_245 + 12_345) >>> 0;
      x[i] = 0.2 * Math.sin(i * 0.031) + (seed / 2 ** 32 - 0.5) * 0.1;
    }
    resampleTo16k(x.subarray(0, 44_100), 44_100); // builds and caches the table
    const t0 = performance.now();
    const y = resampleTo16k(x, 44_100);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`resampleTo16k: 180 s of 44.1 kHz float32 audio in ${seconds.toFixed(2)} s (${(180 / seconds).toFixed(0)}x real time)`);
    expect(y.length).toBe(2_880_000);
    expect(y.every(Number.isFinite)).toBe(true);
  });
});
