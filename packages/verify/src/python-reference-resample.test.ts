// The reference's resampler (mule_reference.resample + the `resample` CLI stage): its filter table
// against numpy's np.kaiser * np.sinc and against the runtime's table, its output against the
// runtime's resampleForModel (two implementations written apart), and against Debian's resampy.
import { KAISER_BEST, MULE_RESAMPLING, kaiserSincFilter, librosaResampledLength, resampleForModel } from '@mule-ts/core';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePythonLookup, findPython, makeTempDir } from '@mule-ts/test-utils';
import { runReferenceCli, runReferenceScript } from './__fixtures__/reference-python.js';
import { ndarray, readNpy, writeNpy, type NDArray } from './npy/index.js';
import { generateTestSignal, upstreamMono } from './parity/test-signal.js';

const lookup = findPython(['numpy']);
if (!lookup.python) console.warn(`skipping the Python reference resampler tests: no python3 with numpy (${describePythonLookup(lookup)})`);
const python = lookup.python ?? '';
const resampyLookup = findPython(['numpy', 'resampy']);
if (!resampyLookup.python) console.warn(`skipping the Debian resampy cross-check: no python3 with numpy and resampy (${describePythonLookup(resampyLookup)})`);

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function identicalFraction(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length === 0 ? 1 : same / a.length;
}

/** The 7 s stereo music-like test signal at `rate`, made mono the upstream way (float32). */
function musicAt(rate: number, seconds = 7): Float32Array {
  return upstreamMono(generateTestSignal({ seconds, sampleRate: rate, seed: 3 }));
}

describe.skipIf(!lookup.python)('reference resampler (mule_reference.resample)', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mule-reference-resample-'));
  });
  afterAll(() => cleanup());

  async function runStage(name: string, x: Float32Array | Float64Array, rate: number, extra: string[] = []): Promise<{ status: number | null; stderr: string; out: string }> {
    const input = join(dir, `${name}.npy`);
    await writeNpy(input, ndarray(x, [x.length]));
    const out = join(dir, name);
    const r = runReferenceCli(python, ['resample', '--waveform', input, '--sr', String(rate), '--out', out, ...extra]);
    return { status: r.status, stderr: r.stderr, out };
  }

  async function stageOutput(name: string, x: Float32Array | Float64Array, rate: number, extra: string[] = []): Promise<NDArray> {
    const r = await runStage(name, x, rate, extra);
    expect(r.status, r.stderr).toBe(0);
    return readNpy(join(r.out, 'waveform_16k.npy'));
  }

  it('builds the table np.kaiser(2n+1, beta)[n:] * rolloff * np.sinc(...) gives, to 1e-9, with and without numpy; the runtime table equals it to 1e-12', async () => {
    const script = `
import json, sys
import numpy as np
from mule_reference.resample import kaiser_best_table
n = 50 * 8192
rolloff, beta = 0.9173473712608761, 12.984585309858513
independent = np.kaiser(2 * n + 1, beta)[n:] * (rolloff * np.sinc(rolloff * np.linspace(0, 50, n + 1)))
vectorised = kaiser_best_table(use_numpy=True)
pure = np.array(kaiser_best_table(use_numpy=False))
vectorised.astype('<f8').tofile(json.load(sys.stdin))
print(json.dumps({"numpy": float(np.max(np.abs(vectorised - independent))), "pure": float(np.max(np.abs(pure - independent))),
                  "pure_vs_numpy": float(np.max(np.abs(pure - vectorised))), "points": int(pure.size)}))`;
    const file = join(dir, 'reference-table.bin');
    const r = runReferenceScript<{ numpy: number; pure: number; pure_vs_numpy: number; points: number }>(python, script, file);
    console.log(`reference table vs np.kaiser * np.sinc: numpy path ${r.numpy.toExponential(2)}, pure-Python path ${r.pure.toExponential(2)}`);
    expect(r.points).toBe(409_601);
    expect(r.numpy).toBeLessThanOrEqual(1e-9);
    expect(r.pure).toBeLessThanOrEqual(1e-9);
    const bytes = await readFile(file);
    const reference = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const gap = maxAbs(kaiserSincFilter(KAISER_BEST).halfWindow, reference);
    console.log(`runtime table vs reference table: max-abs ${gap.toExponential(2)}`);
    expect(gap).toBeLessThanOrEqual(1e-12);
  });

  it('matches the runtime resampleForModel on the 7 s music-like signal at 44.1, 22.05 and 48 kHz (float64 and float32 arithmetic)', async () => {
    for (const rate of [44_100, 22_050, 48_000]) {
      const x = musicAt(rate);
      const reference = await stageOutput(`music-${rate}`, x, rate);
      expect(reference.data).toBeInstanceOf(Float64Array);
      const ours = resampleForModel(Float64Array.from(x), rate, MULE_RESAMPLING);
      expect(reference.shape).toEqual([librosaResampledLength(x.length, rate, 16_000)]);
      const gap64 = maxAbs(ours, reference.data as Float64Array);

      const reference32 = await stageOutput(`music-${rate}-f32`, x, rate, ['--dtype', 'float32']);
      expect(reference32.data).toBeInstanceOf(Float32Array);
      const ours32 = resampleForModel(x, rate, MULE_RESAMPLING);
      const gap32 = maxAbs(ours32, reference32.data as Float32Array);
      const same32 = identicalFraction(ours32, reference32.data as Float32Array);
      const precisionGap = maxAbs(ours32, reference.data as Float64Array);
      console.log(
        `${rate} Hz, ${x.length} -> ${ours.length} samples: runtime vs reference float64 max-abs ${gap64.toExponential(2)}; ` +
          `float32 arithmetic ${gap32.toExponential(2)} (${(100 * same32).toFixed(2)}% identical); runtime float32 vs reference float64 ${precisionGap.toExponential(2)}`,
      );
      // Same algorithm, same order of additions, tables 3e-16 apart: far inside the 1e-6 parity bound.
      expect(gap64).toBeLessThanOrEqual(1e-12);
      expect(gap32).toBeLessThanOrEqual(1e-7);
      expect(same32).toBeGreaterThanOrEqual(0.999);
      // What a float32 runtime waveform is off a float64 reference by: upstream's own float32 rounding.
      expect(precisionGap).toBeLessThanOrEqual(1e-6);
    }
  });

  it('gives the upstream lengths and values on short inputs (3, 100, 441, 1000 samples) and refuses 1 and 2 samples', async () => {
    const music = musicAt(44_100, 1);
    for (const n of [3, 100, 441, 1000]) {
      const x = music.slice(20_000, 20_000 + n);
      const reference = await stageOutput(`short-${n}`, x, 44_100);
      const ours = resampleForModel(Float64Array.from(x), 44_100, MULE_RESAMPLING);
      expect(reference.shape[0], `n = ${n}`).toBe(Math.ceil((n * 16_000) / 44_100));
      expect(maxAbs(ours, reference.data as Float64Array), `n = ${n}`).toBeLessThanOrEqual(1e-6);
    }
    expect(librosaResampledLength(100, 44_100, 16_000)).toBe(37); // resampy gives 36, librosa pads one zero
    const padded = (await stageOutput('short-100b', music.slice(0, 100), 44_100)).data as Float64Array;
    expect(padded.length).toBe(37);
    expect(padded[36]).toBe(0);
    for (const n of [1, 2]) {
      const r = await runStage(`refused-${n}`, music.slice(0, n), 44_100);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/too few to resample/);
      const manifest = JSON.parse(await readFile(join(r.out, 'manifest.json'), 'utf8')) as { ok: boolean };
      expect(manifest.ok).toBe(false);
    }
  });

  it('returns 16 kHz input unchanged and refuses a non-finite sample', async () => {
    const x = musicAt(16_000, 0.5);
    const same = await stageOutput('identity', x, 16_000);
    expect(maxAbs(same.data as Float64Array, x)).toBe(0);
    const bad = Float64Array.from(x);
    bad[123] = Number.NaN;
    const r = await runStage('nan', bad, 44_100);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/sample 123 is nan/);
  });

  it('the stdlib-only path (--pure-python, what Pyodide runs) equals the numpy path', async () => {
    const x = musicAt(44_100, 0.4);
    const vectorised = await stageOutput('pure-numpy', x, 44_100);
    const pure = await stageOutput('pure-stdlib', x, 44_100, ['--pure-python']);
    const pure32 = await stageOutput('pure-stdlib-f32', x, 44_100, ['--pure-python', '--dtype', 'float32']);
    const gap = maxAbs(pure.data as Float64Array, vectorised.data as Float64Array);
    console.log(`pure-Python vs numpy path: max-abs ${gap.toExponential(2)}`);
    expect(gap).toBeLessThanOrEqual(1e-12);
    expect(maxAbs(pure32.data as Float32Array, resampleForModel(x, 44_100, MULE_RESAMPLING))).toBeLessThanOrEqual(1e-6);
  });

  it.skipIf(!resampyLookup.python)("is within 1e-5 of Debian's python3-resampy + fix_length (known gap ~1e-6: Debian rebuilt the table)", async () => {
    const x = musicAt(44_100);
    const input = join(dir, 'debian-input.npy');
    await writeNpy(input, ndarray(x, [x.length]));
    const out = join(dir, 'debian-cross-check');
    expect(runReferenceCli(python, ['resample', '--waveform', input, '--sr', '44100', '--out', out]).status).toBe(0);
    const script = `
import json, math, sys
import numpy as np
import resampy
paths = json.load(sys.stdin)
x = np.load(paths[0])
size = int(math.ceil(x.size * (16000 / 44100)))
debian = resampy.resample(x.astype(np.float64), 44100, 16000)
debian = np.concatenate([debian, np.zeros(size - debian.size)])
ours = np.load(paths[1])
print(json.dumps({"gap": float(np.max(np.abs(ours - debian))), "peak": float(np.max(np.abs(debian)))}))`;
    const r = runReferenceScript<{ gap: number; peak: number }>(resampyLookup.python!, script, [input, join(out, 'waveform_16k.npy')]);
    console.log(`reference vs Debian python3-resampy 0.4.2 on the 7 s signal (peak ${r.peak.toFixed(3)}): max-abs ${r.gap.toExponential(2)}`);
    expect(r.gap).toBeLessThan(1e-5);
    expect(r.gap).toBeGreaterThan(0);
  });
});
