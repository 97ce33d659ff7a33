import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describePythonLookup, findPython, kerasSamplesDir, runPython } from '@mule-ts/test-utils';
import { describe, expect, it } from 'vitest';
import { sniffContainer } from '../archive/sniff-container.js';
import { openKerasFile } from '../keras/open-keras-file.js';
import { formatInspectJson, formatInspectTable } from './format-inspect.js';
import { inspectKerasFile } from './inspect-keras-file.js';

const samples = kerasSamplesDir();
const lookup = findPython(['numpy', 'h5py']);
const skip = samples === null || lookup.python === null;
if (samples === null) console.warn('inspect tests skipped: no Keras sample folder (../shared/keras-samples)');
else if (lookup.python === null) console.warn(`inspect tests skipped: no python with numpy+h5py (${describePythonLookup(lookup)})`);

/** An independent reading with h5py, python's zipfile and json: datasets, config layers, legacy weight_names. */
const H5PY_WALK = String.raw`
import h5py, io, json, sys, zipfile
import numpy as np
path = sys.argv[1]
out = {}
if zipfile.is_zipfile(path):
    z = zipfile.ZipFile(path)
    out['container'] = 'zip'
    out['config'] = json.loads(z.read('config.json'))
    h5 = h5py.File(io.BytesIO(z.read('model.weights.h5')), 'r')
else:
    out['container'] = 'hdf5'
    h5 = h5py.File(path, 'r')
    out['config'] = json.loads(h5.attrs['model_config'])
    mw = h5['model_weights']
    out['weight_names'] = {name: [w.decode() if isinstance(w, bytes) else str(w) for w in mw[name].attrs['weight_names']]
                           for name in mw.attrs['layer_names']}
datasets = []
def visit(name, obj):
    if isinstance(obj, h5py.Dataset):
        v = obj[()]
        floats = obj.dtype.kind == 'f'
        datasets.append({'path': name, 'dtype': obj.dtype.str, 'shape': list(obj.shape),
                         'sum': float(np.sum(v, dtype=np.float64)) if floats else None,
                         'first': float(np.ravel(v)[0]) if floats and v.size else None})
h5.visititems(visit)
out['datasets'] = datasets
print(json.dumps(out))
`;

interface PyDataset {
  path: string;
  dtype: string;
  shape: number[];
  sum: number | null;
  first: number | null;
}
interface PyReading {
  container: 'zip' | 'hdf5';
  config: { class_name: string; config: { layers?: Array<{ class_name: string; name?: string; config: { name?: string } }> } };
  weight_names?: Record<string, string[]>;
  datasets: PyDataset[];
}

function readWithH5py(file: string): PyReading {
  return JSON.parse(runPython(lookup.python as string, H5PY_WALK, [file])) as PyReading;
}

const files = samples === null ? [] : readdirSync(samples).filter((f) => /\.(keras|h5)$/.test(f)).sort();

describe.skipIf(skip)('inspectKerasFile on every real Keras sample, against h5py', () => {
  it('finds sample files', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of files) {
    it(`${name}: same datasets (path, dtype, shape, order), layers and values as h5py`, async () => {
      const file = join(samples as string, name);
      const py = readWithH5py(file);
      const report = await inspectKerasFile(file);

      expect(report.container).toBe(py.container === 'zip' ? 'keras-v3-zip' : 'legacy-hdf5');
      expect(report.datasets.map((d) => ({ path: d.path, dtype: d.dtype, shape: d.shape }))).toEqual(
        py.datasets.map((d) => ({ path: d.path, dtype: d.dtype, shape: d.shape })),
      );
      const pyLayers = py.config.config.layers ?? [];
      expect(report.modelClass).toBe(py.config.class_name);
      expect(report.layers.map((l) => [l.className, l.name])).toEqual(
        pyLayers.map((l) => [l.class_name, l.name ?? l.config.name]),
      );

      // Every float dataset reads back with h5py's values (sum in float64, first element).
      const model = await openKerasFile(file);
      try {
        let worst = 0;
        for (const d of py.datasets) {
          if (d.sum === null) continue;
          const values = model.readFloat32(d.path);
          let sum = 0;
          for (const v of values) sum += v;
          worst = Math.max(worst, Math.abs(sum - d.sum) / Math.max(1, Math.abs(d.sum)));
          if (d.first !== null) expect(values[0]).toBe(Math.fround(d.first));
        }
        expect(worst).toBeLessThan(1e-9);
      } finally {
        await model.close();
      }

      if (py.weight_names !== undefined) {
        // Legacy: weights in weight_names order, per layer, exactly as h5py reads the attribute.
        const model2 = await openKerasFile(file);
        try {
          for (const [layer, names] of Object.entries(py.weight_names)) {
            const mine = model2.weights.filter((w) => w.layerName === layer);
            expect(mine.map((w) => w.legacyName)).toEqual(names);
            expect(mine.map((w) => w.path)).toEqual(names.map((n) => `model_weights/${layer}/${n}`));
            expect(mine.map((w) => w.slot)).toEqual(names.map((_, i) => `vars/${i}`));
          }
        } finally {
          await model2.close();
        }
      }
    });
  }

  it('assigns every Conv2D/Dense/BatchNormalization of every sample a weight whose shape matches its config', async () => {
    let checked = 0;
    for (const name of files) {
      const model = await openKerasFile(join(samples as string, name));
      try {
        for (const layer of model.layers) {
          const own = model.weights.filter((w) => w.layerIndex === layer.index);
          const c = layer.config;
          if (layer.className === 'Conv2D') {
            expect(own[0]?.shape.at(-1), `${name} ${layer.name}`).toBe(c.filters);
            expect(own[0]?.shape.slice(0, 2)).toEqual(c.kernel_size);
            expect(own.length).toBe(c.use_bias === false ? 1 : 2);
            checked++;
          } else if (layer.className === 'Dense') {
            expect(own[0]?.shape[1], `${name} ${layer.name}`).toBe(c.units);
            checked++;
          } else if (layer.className === 'BatchNormalization') {
            expect(own.map((w) => w.slot)).toEqual(['vars/0', 'vars/1', 'vars/2', 'vars/3']);
            checked++;
          }
        }
      } finally {
        await model.close();
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('maps the 2.13.1 doubled numbering (conv2d, conv2d_2, ...) to consecutive Conv2D layers in config order', async () => {
    const expectations: Record<string, { conv: string[]; dense: string[]; convNames: string[] }> = {
      'mpnunez_mnist-gan_descriminator.keras': {
        conv: ['conv2d', 'conv2d_2'],
        dense: ['dense'],
        convNames: ['conv2d', 'conv2d_1'],
      },
      '8shagrid_deteksi_model_2.13.1.keras': {
        conv: ['conv2d', 'conv2d_2', 'conv2d_4', 'conv2d_6'],
        dense: ['dense', 'dense_2'],
        convNames: ['conv2d_4', 'conv2d_5', 'conv2d_6', 'conv2d_7'],
      },
    };
    for (const [name, expected] of Object.entries(expectations)) {
      const report = await inspectKerasFile(join(samples as string, name));
      const groups = (cls: string) =>
        report.layers.filter((l) => l.className === cls).map((l) => l.h5Group?.replace('_layer_checkpoint_dependencies/', ''));
      expect(groups('Conv2D')).toEqual(expected.conv);
      expect(groups('Dense')).toEqual(expected.dense);
      expect(report.layers.filter((l) => l.className === 'Conv2D').map((l) => l.name)).toEqual(expected.convNames);
    }
  });

  it("reads 8shagrid's backslash link names: stored paths keep '\\', slots are relative to the layer group", async () => {
    const model = await openKerasFile(join(samples as string, '8shagrid_deteksi_model_2.13.1.keras'));
    try {
      const conv = model.weights.filter((w) => w.layerName === 'conv2d_5');
      expect(conv.map((w) => w.path)).toEqual([
        '_layer_checkpoint_dependencies\\conv2d_2/vars/0',
        '_layer_checkpoint_dependencies\\conv2d_2/vars/1',
      ]);
      expect(conv.map((w) => w.slot)).toEqual(['vars/0', 'vars/1']);
      expect(conv[0]?.shape).toEqual([3, 3, 32, 64]);
      expect(model.readFloat32(conv[1]?.path as string)).toHaveLength(64);
      // metrics\mean and optimizer/ are listed but not assigned.
      expect(model.datasets.some((d) => d.path === 'metrics\\mean/vars/0')).toBe(true);
      expect(model.weights.some((w) => w.path.startsWith('metrics') || w.path.startsWith('optimizer'))).toBe(false);
    } finally {
      await model.close();
    }
  });

  it('keeps nested-model paths as slots (Keras 3.5 Sequential inside a Functional)', async () => {
    const model = await openKerasFile(join(samples as string, 'MosesDastmard_encoder_train_model_keras3.5.0.keras'));
    try {
      const encoder = model.layers.find((l) => l.name === 'encoder');
      expect(encoder?.className).toBe('Sequential');
      expect(encoder?.weightsGroup).toBe('layers/sequential');
      const slots = model.weights.filter((w) => w.layerName === 'encoder').map((w) => w.slot);
      expect(slots).toContain('layers/conv2d_1/vars/0');
      expect(slots).toContain('layers/batch_normalization_2/vars/3');
      expect(model.layers.find((l) => l.name === 'cosine_distance')?.calls[0]?.inputs).toEqual([
        { layer: 'encoder', nodeIndex: 0, tensorIndex: 0 },
        { layer: 'encoder', nodeIndex: 1, tensorIndex: 0 },
      ]);
      expect(model.inputs.map((r) => r.layer)).toEqual(['images_a', 'images_b']);
    } finally {
      await model.close();
    }
  });

  it('sniffs the legacy .h5 and the HDF5-named .keras files as HDF5, the others as zip', async () => {
    for (const name of files) {
      const sniffed = await sniffContainer(join(samples as string, name));
      const expected = /legacy\.h5$|HDF5_named\.keras$/.test(name) ? 'hdf5' : 'zip';
      expect(sniffed.kind, name).toBe(expected);
    }
  });

  it('formats a table and JSON that list every dataset', async () => {
    const report = await inspectKerasFile(join(samples as string, 'Requiem5032_mosquitoes_model_2.14.0.keras'));
    const table = formatInspectTable(report);
    for (const d of report.datasets) expect(table).toContain(d.path);
    expect(table).toMatch(/^ *# +name +class +inbound +h5 group +weights +params$/m);
    expect(table).toContain('global_average_pooling2d');
    const json = JSON.parse(formatInspectJson(report)) as { datasets: Array<Record<string, unknown>> };
    expect(json.datasets).toHaveLength(report.datasets.length);
    for (const d of json.datasets) {
      expect(typeof d.path).toBe('string');
      expect(typeof d.dtype).toBe('string');
      expect(Array.isArray(d.shape)).toBe(true);
    }
  });
});
