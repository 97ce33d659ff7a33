// The python and pyodide runners on the real reference: the same stages, the same protocol, and
// (issue #4) the pyodide runner's mel and slices agree with the python runner's to 1e-6.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePythonLookup, findPython } from '@mule-ts/test-utils';
import { compareArrays } from '../compare/index.js';
import { toNumbers, type NDArray } from '../npy/index.js';
import { generateTestSignal, upstreamMono } from '../parity/index.js';
import { PyodideReferenceRunner } from './pyodide-runner.js';
import { pythonReferenceCommand, SubprocessReferenceRunner } from './subprocess-runner.js';
import { ReferenceRunError, type ReferenceResult } from './types.js';

const lookup = findPython(['numpy', 'h5py']);
if (!lookup.python) console.warn(`skipping the python runner tests: no python3 with numpy and h5py (${describePythonLookup(lookup)})`);

function maxAbsDiff(a: NDArray, b: NDArray): number {
  expect(a.shape).toEqual(b.shape);
  return compareArrays(toNumbers(a), toNumbers(b)).maxAbs;
}

describe.skipIf(!lookup.python)('python and pyodide runners', () => {
  const python = new SubprocessReferenceRunner('python', pythonReferenceCommand(lookup.python ?? ''));
  const pyodide = new PyodideReferenceRunner();
  const waveform: NDArray = { data: upstreamMono(generateTestSignal({ sampleRate: 16_000 })), shape: [112_000] };
  const results: Record<string, { mel: ReferenceResult; slices: ReferenceResult }> = {};

  beforeAll(async () => {
    for (const [name, runner] of [['python', python], ['pyodide', pyodide]] as const) {
      const mel = await runner.run('mel', { waveform });
      const slices = await runner.run('slices', { mel: mel.arrays.mel! });
      results[name] = { mel, slices };
    }
  });
  afterAll(() => pyodide.close());

  it('python writes the documented arrays and manifest', () => {
    const { mel, slices } = results.python!;
    expect(mel.arrays.mel!.shape).toEqual([96, 701]);
    expect(mel.arrays.mel!.data).toBeInstanceOf(Float64Array);
    expect(mel.manifest).toMatchObject({ tool: 'mule_reference', protocol: 1, stage: 'mel', ok: true, libraries: { numpy: null } });
    expect(mel.manifest.python?.implementation).toBe('CPython');
    // UPSTREAM.md: a 7 s clip gives T = 701 and centres 200, 400, 551.
    expect(slices.arrays.centres!.data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(toNumbers(slices.arrays.centres!))).toEqual([200, 400, 551]);
    expect(slices.arrays.slices!.shape).toEqual([3, 96, 300]);
  });

  it('pyodide runs the same modules in CPython-on-wasm', () => {
    expect(results.pyodide!.mel.manifest.python?.executable).not.toBe(results.python!.mel.manifest.python?.executable);
    expect(results.pyodide!.mel.manifest.python?.version).toMatch(/^3\.1[4-9]/);
  });

  it('pyodide mel and slices agree with python to 1e-6', () => {
    const p = results.python!;
    const w = results.pyodide!;
    const mel = maxAbsDiff(w.mel.arrays.mel!, p.mel.arrays.mel!);
    const slices = maxAbsDiff(w.slices.arrays.slices!, p.slices.arrays.slices!);
    console.log(`pyodide vs python: mel max-abs ${mel}, slices max-abs ${slices}`);
    expect(mel).toBeLessThanOrEqual(1e-6);
    expect(slices).toBeLessThanOrEqual(1e-6);
    expect(Array.from(toNumbers(w.slices.arrays.centres!))).toEqual(Array.from(toNumbers(p.slices.arrays.centres!)));
    expect(Array.from(toNumbers(w.slices.arrays.slice_bounds!))).toEqual(Array.from(toNumbers(p.slices.arrays.slice_bounds!)));
  });

  it('pyodide runs resample (the stdlib path) and agrees with python (numpy path) to 1e-12', async () => {
    const short: NDArray = { data: upstreamMono(generateTestSignal({ seconds: 0.25, seed: 7 })), shape: [11_025] };
    const [p, w] = [await python.run('resample', { waveform: short }, { sampleRate: 44_100 }), await pyodide.run('resample', { waveform: short }, { sampleRate: 44_100 })];
    expect(p.arrays.waveform_16k!.shape).toEqual([4000]);
    expect(w.manifest.libraries).not.toHaveProperty('numpy', expect.any(String));
    const gap = maxAbsDiff(w.arrays.waveform_16k!, p.arrays.waveform_16k!);
    console.log(`pyodide vs python resample (0.25 s at 44.1 kHz): max-abs ${gap.toExponential(2)}`);
    expect(gap).toBeLessThanOrEqual(1e-12);
  });

  it('a refused input is a ReferenceRunError with the reference message, from both runners', async () => {
    const bad: NDArray = { data: new Float32Array(6), shape: [2, 3] };
    for (const runner of [python, pyodide]) {
      const error = await runner.run('mel', { waveform: bad }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReferenceRunError);
      expect((error as ReferenceRunError).message).toMatch(new RegExp(`reference \\(${runner.name}\\) mel: .*want a 1-D float32/float64 16 kHz mono waveform, got shape \\(2, 3\\)`));
      expect((error as ReferenceRunError).manifest?.ok).toBe(false);
    }
  });

  it('pyodide refuses the model stages with a clear reason (no numpy wheel offline)', async () => {
    const reason = await pyodide.unavailableReason('backbone');
    expect(reason).toMatch(/pure-Python stages \(resample, mel, slices\) only: 'backbone' needs numpy and h5py.*--runner python or uv/);
    const error = await pyodide.run('embed', { waveform }, { keras: '/nonexistent.keras' }).catch((e: unknown) => e);
    expect((error as Error).message).toContain("'embed' needs numpy and h5py");
  });
});
