// The Python reference on whole model files: the generated small SF-NFNet-F0 (.keras, Keras 2.13.1
// layout), hand-made tiny files in each on-disk layout, and the CLI protocol end to end.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { describePythonLookup, findPython, makeTempDir } from '@mule-ts/test-utils';
import { runReferenceCli, runReferenceScript } from './__fixtures__/reference-python.js';

const lookup = findPython(['numpy', 'h5py']);
if (!lookup.python) console.warn(`skipping the Python reference model tests: no python3 with numpy and h5py (${describePythonLookup(lookup)})`);
const python = lookup.python ?? '';

interface Manifest {
  ok: boolean;
  error: string | null;
  stage: string;
  model: { format: string; keras_version: string } | null;
  stages: Array<{ stage: string; seconds: number }>;
  arrays: Array<{ name: string; file: string; shape: number[]; dtype: string }>;
  python: { version: string };
  libraries: Record<string, string | null>;
}

async function manifestOf(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

function cli(args: string[]): void {
  const r = runReferenceCli(python, args);
  if (r.status !== 0) throw new Error(`mule_reference ${args[0]} failed (exit ${r.status}):\n${r.stderr}`);
}

describe.skipIf(!lookup.python)('reference on the generated small SF-NFNet-F0', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  let model = '';
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mule-reference-model-'));
    model = join(dir, 'small.keras');
    await writeKerasFixture({ size: 'small', seed: 1, out: model });
  });
  afterAll(() => cleanup());

  it('assigns h5 groups by class in config order (2.13 doubled suffixes for weighted layers)', () => {
    const script = `
import json, sys
from mule_reference.keras_file import read_keras_model, to_snake_case
m = read_keras_model(json.load(sys.stdin))
out = {"format": m.format, "version": m.keras_version, "ws": [], "sm": [], "act": []}
for layer in m.layers:
    w, src = m.weights[layer["name"]], m.weight_sources[layer["name"]]
    if layer["class_name"] == "WeightStandardization":
        c = layer["config"]["layer"]["config"]
        out["ws"].append({"src": src, "shapes": [list(x.shape) for x in w], "kernel": c["kernel_size"], "filters": c["filters"]})
    if layer["class_name"] == "ScalarMultiply":
        out["sm"].append({"src": src, "learnable": layer["config"]["learnable"], "n": len(w)})
    if layer["class_name"] == "Activation":
        out["act"].append(src)
print(json.dumps(out))`;
    interface Layout {
      format: string;
      version: string;
      ws: Array<{ src: string; shapes: number[][]; kernel: number[]; filters: number }>;
      sm: Array<{ src: string; learnable: boolean; n: number }>;
      act: string[];
    }
    const r = runReferenceScript<Layout>(python, script, model);
    expect(r.format).toBe('keras-v3-zip');
    expect(r.version).toBe('2.13.1');
    expect(r.ws).toHaveLength(80);
    r.ws.forEach((ws, k) => {
      expect(ws.src).toBe(`/_layer_checkpoint_dependencies/weight_standardization${k === 0 ? '' : `_${2 * k}`}`);
      expect(ws.shapes).toHaveLength(3); // v, gain, bias
      expect(ws.shapes[0]!.slice(0, 2)).toEqual(ws.kernel);
      expect(ws.shapes[0]![3]).toBe(ws.filters);
      expect(ws.shapes[1]).toEqual([ws.filters]);
      expect(ws.shapes[2]).toEqual([ws.filters]);
    });
    expect(r.ws[0]!.shapes[0]).toEqual([3, 3, 1, 2]); // the first WS after the input is the fast stem's
    // weightless layers take one slot each: consecutive suffixes
    r.act.forEach((src, k) => expect(src).toBe(`/_layer_checkpoint_dependencies/activation${k === 0 ? '' : `_${k}`}`));
    // learnable ScalarMultiply (skip gains) hold one scalar, constant ones none
    expect(r.sm.filter((s) => s.learnable).every((s) => s.n === 1)).toBe(true);
    expect(r.sm.filter((s) => !s.learnable).every((s) => s.n === 0)).toBe(true);
    expect(r.sm.filter((s) => s.learnable)).toHaveLength(14);
  });

  it('backbone: 2 standardised slices -> (2, 36) finite; float32 evaluation agrees (cosine >= 0.9999)', async () => {
    const slices = join(dir, 'slices.npy');
    runReferenceScript(python, `
import numpy as np
x = np.random.default_rng(11).normal(size=(2, 96, 300))
x = (x - x.mean(axis=(1, 2), keepdims=True)) / x.std(axis=(1, 2), keepdims=True)
np.save(${JSON.stringify(slices)}, x)
print("null")`);
    const out64 = join(dir, 'b64');
    const out32 = join(dir, 'b32');
    cli(['backbone', '--keras', model, '--slices', slices, '--out', out64, '--batch', '1', '--layer', 'weight_standardization_4']);
    cli(['backbone', '--keras', model, '--slices', slices, '--out', out32, '--dtype', 'float32']);
    const m = await manifestOf(out64);
    expect(m.ok).toBe(true);
    expect(m.model?.format).toBe('keras-v3-zip');
    expect(m.arrays.map((a) => [a.name, a.shape, a.dtype])).toEqual([
      ['embeddings', [2, 36], 'float64'],
      ['layer-weight_standardization_4', [2, 48, 150, 2], 'float64'],
    ]);
    const r = runReferenceScript<{ finite: boolean; cosines: number[]; maxAbs: number; std: number }>(python, `
import json
import numpy as np
a = np.load(${JSON.stringify(join(out64, 'embeddings.npy'))})
b = np.load(${JSON.stringify(join(out32, 'embeddings.npy'))}).astype(np.float64)
cos = [float(a[i] @ b[i] / np.linalg.norm(a[i]) / np.linalg.norm(b[i])) for i in range(2)]
print(json.dumps({"finite": bool(np.isfinite(a).all()), "cosines": cos, "maxAbs": float(np.abs(a - b).max()), "std": float(a.std())}))`);
    console.log(`small model float64 vs float32: cosines ${r.cosines.map((c) => c.toFixed(10)).join(', ')}, max-abs ${r.maxAbs.toExponential(2)}`);
    expect(r.finite).toBe(true);
    expect(r.std).toBeGreaterThan(1e-3); // not a constant output
    for (const c of r.cosines) expect(c).toBeGreaterThanOrEqual(0.9999);
  });

  it('embed = mel -> slices -> backbone, stage for stage, and timeline / clip embedding from the embeddings', async () => {
    const wave = join(dir, 'wave.npy');
    runReferenceScript(python, `
import numpy as np
t = np.arange(int(4.2 * 16000)) / 16000
np.save(${JSON.stringify(wave)}, (0.25 * np.sin(2 * np.pi * 330 * t) * np.sin(2 * np.pi * 0.7 * t)).astype(np.float32))
print("null")`);
    const embed = join(dir, 'embed');
    cli(['embed', '--keras', model, '--waveform', wave, '--out', embed]);
    cli(['mel', '--waveform', wave, '--out', join(dir, 'mel')]);
    cli(['slices', '--mel', join(dir, 'mel', 'mel.npy'), '--out', join(dir, 'slices')]);
    cli(['backbone', '--keras', model, '--slices', join(dir, 'slices', 'slices.npy'), '--out', join(dir, 'backbone')]);
    const m = await manifestOf(embed);
    expect(m.stages.map((s) => s.stage)).toEqual(['read-keras', 'mel', 'slices', 'backbone', 'timeline', 'clip-embedding']);
    expect(Object.fromEntries(m.arrays.map((a) => [a.name, a.shape]))).toEqual({
      mel: [96, 421],
      centres: [2],
      slice_bounds: [2, 2],
      slices: [2, 96, 300],
      embeddings: [2, 36],
      timeline: [36, 2],
      clip_embedding: [36],
    });
    expect(m.libraries.numpy).toMatch(/^\d/);
    const r = runReferenceScript<Record<string, boolean | number[]>>(python, `
import json
import numpy as np
e = lambda n: np.load(${JSON.stringify(embed)} + "/" + n + ".npy")
o = lambda d, n: np.load(${JSON.stringify(dir)} + "/" + d + "/" + n + ".npy")
print(json.dumps({
  "mel": bool(np.array_equal(e("mel"), o("mel", "mel"))),
  "slices": bool(np.array_equal(e("slices"), o("slices", "slices"))),
  "embeddings": bool(np.array_equal(e("embeddings"), o("backbone", "embeddings"))),
  "timeline": bool(np.array_equal(e("timeline"), e("embeddings").T)),
  "clip": bool(np.allclose(e("clip_embedding"), e("embeddings").mean(axis=0), rtol=0, atol=1e-15)),
  "centres": e("centres").tolist()}))`);
    expect(r).toEqual({ mel: true, slices: true, embeddings: true, timeline: true, clip: true, centres: [200, 271] });
  });

  it('embed refuses clips too short for a 300-frame slice, with the reason', async () => {
    for (const [seconds, pattern] of [
      [2.5, /49 frames wide/],
      [1.5, /no slice/],
    ] as const) {
      const wave = join(dir, `short-${seconds}.npy`);
      runReferenceScript(python, `import numpy as np; np.save(${JSON.stringify(wave)}, np.full(${seconds * 16000}, 0.1)); print("null")`);
      const out = join(dir, `short-${seconds}`);
      const r = runReferenceCli(python, ['embed', '--keras', model, '--waveform', wave, '--out', out]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect((await manifestOf(out)).ok).toBe(false);
    }
  });

  it('refuses a file that is not a model, naming it', async () => {
    const bogus = join(dir, 'bogus.keras');
    await writeFile(bogus, 'not a model');
    const r = runReferenceCli(python, ['backbone', '--keras', bogus, '--slices', join(dir, 'slices.npy'), '--out', join(dir, 'bogus')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('bogus.keras: neither a .keras zip nor HDF5');
  });
});

// A two-Dense model written by h5py in each layout a reader meets; every one must give the
// hand-computed output, and a swapped assignment would not: x = [1, 2];
// fc_a (relu): [1,2] @ [[1,-1],[1,1]] + [0,-5] = [3,-4] -> [3, 0];
// fc_b (linear): [3,0] @ [[2,0],[7,1]] + [0.5,0] = [6.5, 0].
const WRITE_LAYOUTS = `
import io, json, sys, zipfile
import h5py, numpy as np
d = json.load(sys.stdin)
def layer(cls, name, cfg, inbound):
    return {"module": "keras.layers", "class_name": cls, "config": {"name": name, **cfg}, "registered_name": None, "name": name, "inbound_nodes": inbound}
dense = lambda units, act: {"units": units, "activation": act, "use_bias": True}
config = {"module": "keras.src.engine.functional", "class_name": "Functional", "config": {"name": "model", "trainable": True, "layers": [
    layer("InputLayer", "in", {"batch_input_shape": [None, 2], "dtype": "float32"}, []),
    layer("Dense", "fc_a", dense(2, "relu"), [[["in", 0, 0, {}]]]),
    layer("Dense", "fc_b", dense(2, "linear"), [[["fc_a", 0, 0, {}]]]),
], "input_layers": [["in", 0, 0]], "output_layers": [["fc_b", 0, 0]]}}
A = [np.array([[1, -1], [1, 1]], np.float32), np.array([0, -5], np.float32)]
B = [np.array([[2, 0], [7, 1]], np.float32), np.array([0.5, 0], np.float32)]
def v3(path, prefix, names, sep="/"):
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_group("vars")
        f.create_group("optimizer/vars").create_dataset("0", data=np.int64(7))
        for group, arrays in zip(names, [[], A, B]):
            g = f.create_group(prefix + sep + group)  # a backslash sep: one root-level link, as Windows Keras writes
            v = g.create_group("vars")
            for i, a in enumerate(arrays):
                v.create_dataset(str(i), data=a)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "2.13.1", "date_saved": "x"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", buf.getvalue())
def legacy(path):
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = "2.12.0"
        mw = f.create_group("model_weights")
        mw.create_group("in").attrs["weight_names"] = np.array([], dtype=np.float64)
        for name, arrays in (("fc_a", A), ("fc_b", B)):
            g = mw.create_group(name)
            g.attrs["weight_names"] = [f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()]
            g.create_dataset(f"{name}/kernel:0", data=arrays[0])
            g.create_dataset(f"{name}/bias:0", data=arrays[1])
v3(d + "/doubled-2.13.keras", "_layer_checkpoint_dependencies", ["input_layer", "dense", "dense_2"])
v3(d + "/windows-2.13.keras", "_layer_checkpoint_dependencies", ["input_layer", "dense", "dense_2"], sep="\\\\")
v3(d + "/layers-2.15.keras", "layers", ["input_layer", "dense", "dense_1"])
legacy(d + "/legacy.h5")
legacy(d + "/hdf5-named.keras")
print("null")
`;

const EVALUATE_FILES = `
import json, sys
import h5py, io, zipfile
import numpy as np
from mule_reference.keras_file import read_keras_model
from mule_reference.graph_eval import FunctionalGraph, evaluate_graph
out = {}
for path in json.load(sys.stdin):
    m = read_keras_model(path)
    y = evaluate_graph(FunctionalGraph(m.config), m.weights, [np.array([[1.0, 2.0]])])["fc_b"]
    links = []
    if m.format == "keras-v3-zip":
        with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
            links = sorted(f.keys())
    out[path.rsplit("/", 1)[1]] = {"format": m.format, "y": y.tolist(), "sources": [m.weight_sources.get(n) for n in ("fc_a", "fc_b")], "links": links}
print(json.dumps(out))
`;

describe.skipIf(!lookup.python)('reference Keras reader: every on-disk layout gives the hand-computed output', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mule-reference-layouts-'));
  });
  afterAll(() => cleanup());

  it('2.13 doubled suffixes, Windows backslash link names, 2.15 layers/, legacy .h5 and HDF5 under a .keras name', () => {
    runReferenceScript(python, WRITE_LAYOUTS, dir);
    const files = ['doubled-2.13.keras', 'windows-2.13.keras', 'layers-2.15.keras', 'legacy.h5', 'hdf5-named.keras'];
    type Row = { format: string; y: number[][]; sources: string[]; links: string[] };
    const r = runReferenceScript<Record<string, Row>>(python, EVALUATE_FILES, files.map((f) => join(dir, f)));
    for (const f of files) expect(r[f]!.y, f).toEqual([[6.5, 0]]);
    expect(r['doubled-2.13.keras']!.sources).toEqual(['/_layer_checkpoint_dependencies/dense', '/_layer_checkpoint_dependencies/dense_2']);
    // the Windows file really has root-level links with a backslash in their names
    expect(r['windows-2.13.keras']!.links).toContain('_layer_checkpoint_dependencies\\dense_2');
    expect(r['layers-2.15.keras']!.sources).toEqual(['/layers/dense', '/layers/dense_1']);
    expect(r['legacy.h5']!.format).toBe('legacy-hdf5');
    expect(r['hdf5-named.keras']!.format).toBe('legacy-hdf5');
  });
});
