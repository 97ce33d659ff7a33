// The reference's pure-Python front-end: log-mel against a numpy float64 version of the same
// formula, the slicer against centres written out by hand, and the .npy codec against numpy.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePythonLookup, findPython, makeTempDir } from '@mule-ts/test-utils';
import { runReferenceCli, runReferenceScript } from './__fixtures__/reference-python.js';

const lookup = findPython(['numpy', 'h5py']);
if (!lookup.python) console.warn(`skipping the Python reference front-end tests: no python3 with numpy and h5py (${describePythonLookup(lookup)})`);
const python = lookup.python ?? '';

// librosa 0.9.2 melspectrogram (MULE settings) + log10_nonneg, vectorised with numpy in float64.
const NUMPY_LOG_MEL = `
import numpy as np
def numpy_log_mel(y):
    y = np.asarray(y, dtype=np.float64)
    sr, n_fft, hop, win, n_mels = 16000, 2048, 160, 400, 96
    window = np.zeros(n_fft)
    window[(n_fft - win) // 2 : (n_fft - win) // 2 + win] = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(win) / win)
    padded = np.pad(y, n_fft // 2, mode="reflect")
    frames = 1 + (len(padded) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(frames)[:, None]
    power = np.abs(np.fft.rfft(padded[idx] * window, axis=1)) ** 2
    freqs = np.arange(n_fft // 2 + 1) * sr / n_fft
    mel = np.linspace(0, 2595 * np.log10(1 + 8000 / 700), n_mels + 2)
    hz = 700 * (10 ** (mel / 2595) - 1)
    lower = (freqs[None, :] - hz[:-2, None]) / (hz[1:-1] - hz[:-2])[:, None]
    upper = (hz[2:, None] - freqs[None, :]) / (hz[2:] - hz[1:-1])[:, None]
    fb = np.maximum(0, np.minimum(lower, upper))
    fb /= np.sqrt((fb ** 2).sum(axis=1, keepdims=True))
    with np.errstate(invalid="ignore"):
        out = np.log10(10000 * (fb @ power.T) + 1)
    return np.nan_to_num(out, nan=-9999999999.0, posinf=-9999999999.0, neginf=-9999999999.0)
`;

const COMPARE_MEL = `
import json, sys, time
${NUMPY_LOG_MEL}
from mule_reference.frontend import log_mel_spectrogram
from mule_reference.flat_array import to_numpy
rng = np.random.default_rng(7)
cases = {}
t = np.arange(int(1.3 * 16000)) / 16000
cases["tone+noise 1.3 s"] = 0.3 * np.sin(2 * np.pi * 523.25 * t) + 0.05 * rng.standard_normal(t.size)
cases["700 samples (pads longer than the signal)"] = rng.uniform(-0.5, 0.5, 700)
cases["3 samples"] = np.array([0.1, -0.2, 0.3])
cases["silence 0.5 s"] = np.zeros(8000)
with_nan = 0.1 * rng.standard_normal(4000)
with_nan[2000] = np.nan
cases["a nan sample"] = with_nan
report = {}
for name, y in cases.items():
    t0 = time.perf_counter()
    ours = to_numpy(log_mel_spectrogram([float(v) for v in y]))
    seconds = time.perf_counter() - t0
    ref = numpy_log_mel(y)
    report[name] = {"shape": list(ours.shape), "ref_shape": list(ref.shape), "max_abs": float(np.max(np.abs(ours - ref))),
                    "sentinels": int(np.sum(ours == -9999999999.0)), "ref_sentinels": int(np.sum(ref == -9999999999.0)), "seconds": seconds}
print(json.dumps(report))
`;

interface MelReport {
  shape: number[];
  ref_shape: number[];
  max_abs: number;
  sentinels: number;
  ref_sentinels: number;
  seconds: number;
}

describe.skipIf(!lookup.python)('reference front-end (pure Python)', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mule-reference-frontend-'));
  });
  afterAll(() => cleanup());

  it('log-mel equals a numpy float64 version of the librosa 0.9.2 formula within 1e-9', () => {
    const report = runReferenceScript<Record<string, MelReport>>(python, COMPARE_MEL);
    for (const [name, r] of Object.entries(report)) {
      console.log(`log-mel ${name}: shape ${r.shape.join('x')}, max |ours - numpy| = ${r.max_abs.toExponential(2)}, ${r.seconds.toFixed(3)} s`);
      expect(r.shape, name).toEqual(r.ref_shape);
      expect(r.max_abs, name).toBeLessThanOrEqual(1e-9);
      expect(r.sentinels, name).toBe(r.ref_sentinels);
    }
    expect(report['tone+noise 1.3 s']!.shape).toEqual([96, 1 + Math.floor(20800 / 160)]);
    expect(report['a nan sample']!.sentinels).toBeGreaterThan(0);
  });

  it('the slicer gives the upstream centres (written out by hand)', () => {
    const frames = (seconds: number): number => 1 + Math.floor((seconds * 16000) / 160);
    const script = `
import json, sys
from mule_reference.slicer import raw_centres, clamp_centre, slice_bounds
out = {}
for t in json.load(sys.stdin):
    c = [clamp_centre(x, t) for x in raw_centres(t)]
    out[str(t)] = {"centres": c, "bounds": [list(slice_bounds(x, t)) for x in c]}
print(json.dumps(out))`;
    const durations = [1.5, 2.5, 3, 6, 7, 85];
    const got = runReferenceScript<Record<string, { centres: number[]; bounds: number[][] }>>(python, script, durations.map(frames));
    const at = (s: number): { centres: number[]; bounds: number[][] } => got[String(frames(s))]!;
    expect(durations.map(frames)).toEqual([151, 251, 301, 601, 701, 8501]);
    expect(at(1.5).centres).toEqual([]);
    expect(at(2.5).centres).toEqual([101]); // 200 clamped to 251 - 150
    expect(at(2.5).bounds).toEqual([[202, 251]]); // mel[:, -49:251]: 49 frames wide
    expect(at(3).centres).toEqual([151]);
    expect(at(3).bounds).toEqual([[1, 301]]);
    expect(at(6).centres).toEqual([200, 400, 451]);
    expect(at(7).centres).toEqual([200, 400, 551]);
    const first = Array.from({ length: 39 }, (_, i) => 200 * (i + 1)); // chunk [0, 8000): 200 .. 7800
    expect(at(85).centres).toEqual([...first, 8200, 8351]); // chunk [8000, 8501): 8200, 8400 -> 8351
    expect(at(85).centres).toHaveLength(41);
  });

  it('slices are standardised per slice (population std, floored at 0.01), compared with numpy', () => {
    const script = `
import json
import numpy as np
from mule_reference.slicer import slice_mel
from mule_reference.flat_array import from_numpy, to_numpy
rng = np.random.default_rng(3)
mel = rng.normal(2.0, 3.0, (96, 701))
s = slice_mel(from_numpy(mel))
got = to_numpy(s.slices)
exp = []
for a, b in to_numpy(s.bounds):
    x = mel[:, a:b] - mel[:, a:b].mean()
    exp.append(x / max(x.std(), 0.01))
const = slice_mel(from_numpy(np.full((96, 400), 7.0)))
print(json.dumps({"shape": list(got.shape), "max_abs": float(np.abs(got - np.array(exp)).max()),
  "const_max": float(np.abs(to_numpy(const.slices)).max()), "const_shape": list(const.slices.shape)}))`;
    const r = runReferenceScript<{ shape: number[]; max_abs: number; const_max: number; const_shape: number[] }>(python, script);
    expect(r.shape).toEqual([3, 96, 300]);
    expect(r.max_abs).toBeLessThan(1e-12);
    expect(r.const_shape).toEqual([1, 96, 300]); // T = 400: one centre, 200
    expect(r.const_max).toBe(0);
  });

  it('.npy: the pure-Python codec and numpy read each other', () => {
    const script = `
import json, sys, os
import numpy as np
from array import array
from mule_reference.flat_array import FlatArray
from mule_reference.npy import write_npy, read_npy
d = json.load(sys.stdin)
cases = {"f8_3d": np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 7, "f4_1d": np.array([1.5, -2.25, np.inf], np.float32),
         "i8_2d": np.array([[1, -2], [3, 1 << 40]], np.int64), "empty": np.zeros((0, 96, 300))}
ok = {}
for name, a in cases.items():
    p1, p2 = os.path.join(d, name + "_pure.npy"), os.path.join(d, name + "_numpy.npy")
    write_npy(p1, FlatArray(a.shape, array({"f8": "d", "f4": "f", "i8": "q"}[a.dtype.str[1:]], a.ravel().tolist())))
    back = np.load(p1)
    np.save(p2, a)
    pure = read_npy(p2)
    ok[name] = bool(back.dtype == a.dtype and back.shape == a.shape and np.array_equal(back, a)
                    and pure.shape == a.shape and list(pure.data) == a.ravel().tolist()
                    and os.path.getsize(p1) == os.path.getsize(p2))
big = np.arange(6, dtype=">f8").reshape(2, 3)
np.save(os.path.join(d, "big.npy"), big)
ok["big-endian in"] = list(read_npy(os.path.join(d, "big.npy")).data) == big.ravel().tolist()
print(json.dumps(ok))`;
    const ok = runReferenceScript<Record<string, boolean>>(python, script, dir);
    expect(ok).toEqual({ f8_3d: true, f4_1d: true, i8_2d: true, empty: true, 'big-endian in': true });
  });

  it('the mel and slices stages run with numpy unimportable (stdlib only) and match the numpy formula', async () => {
    const out = join(dir, 'no-numpy');
    await mkdir(out, { recursive: true });
    const wave = join(dir, 'wave.npy');
    runReferenceScript(python, `import json, numpy as np; np.save(${JSON.stringify(wave)}, (0.2 * np.sin(np.arange(56000) * 0.05)).astype(np.float32)); print("null")`);
    const blocked = `
import json, sys
sys.modules["numpy"] = None  # any numpy import now raises ImportError
from mule_reference.cli import main
wave, out = json.load(sys.stdin)
rc = main(["mel", "--waveform", wave, "--out", out]) or main(["slices", "--mel", out + "/mel.npy", "--out", out])
print(rc)`;
    const r = runReferenceScript<number>(python, blocked, [wave, out]);
    expect(r).toBe(0);
    const check = `
${NUMPY_LOG_MEL}
import json
mel = np.load(${JSON.stringify(join(out, 'mel.npy'))})
ref = numpy_log_mel(np.load(${JSON.stringify(wave)}))
print(json.dumps({"max_abs": float(np.abs(mel - ref).max()), "centres": np.load(${JSON.stringify(join(out, 'centres.npy'))}).tolist()}))`;
    const c = runReferenceScript<{ max_abs: number; centres: number[] }>(python, check);
    expect(c.max_abs).toBeLessThanOrEqual(1e-9);
    expect(c.centres).toEqual([200]); // 3.5 s: T = 351, centres 200 (clamp max 201)
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { stage: string; libraries: Record<string, string | null> };
    expect(manifest.stage).toBe('slices');
    expect(manifest.libraries.numpy).toBeNull();
  });

  it('the CLI refuses a 2-D waveform with one line on stderr and a manifest marked not ok', async () => {
    const bad = join(dir, 'stereo.npy');
    runReferenceScript(python, `import numpy as np; np.save(${JSON.stringify(bad)}, np.zeros((2, 100))); print("null")`);
    const out = join(dir, 'bad');
    const r = runReferenceCli(python, ['mel', '--waveform', bad, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/stereo\.npy.*1-D/);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { ok: boolean; error: string };
    expect(manifest.ok).toBe(false);
    expect(manifest.error).toMatch(/shape \(2, 100\)/);
  });
});
