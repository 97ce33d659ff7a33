import { join } from 'node:path';
import { describePythonLookup, findPython, kerasSamplesDir, runPython } from '@mule-ts/test-utils';
import { describe, expect, it } from 'vitest';
import { checkpointGroupPaths, toSnakeCase } from './checkpoint-paths.js';

describe('toSnakeCase', () => {
  it('matches the snake names listed in KERAS_FORMAT §2.1', () => {
    expect(
      ['WeightStandardization', 'ScalarMultiply', 'StochDepth', 'TFOpLambda', 'GlobalAveragePooling2D', 'AveragePooling2D', 'Conv2D', 'InputLayer', 'ReLU'].map(
        toSnakeCase,
      ),
    ).toEqual([
      'weight_standardization',
      'scalar_multiply',
      'stoch_depth',
      'tf_op_lambda',
      'global_average_pooling2d',
      'average_pooling2d',
      'conv2d',
      'input_layer',
      're_lu',
    ]);
  });
});

describe('checkpointGroupPaths', () => {
  it('doubles the counter of weighted layers only', () => {
    const layers = [
      { className: 'Conv2D', weighted: true },
      { className: 'MaxPooling2D', weighted: false },
      { className: 'Conv2D', weighted: true },
      { className: 'MaxPooling2D', weighted: false },
      { className: 'Conv2D', weighted: true },
    ];
    expect(checkpointGroupPaths(layers).map((p) => p.split('/')[1])).toEqual(['conv2d', 'max_pooling2d', 'conv2d_2', 'max_pooling2d_1', 'conv2d_4']);
  });

  const samples = kerasSamplesDir();
  const lookup = findPython(['numpy', 'h5py']);
  const python = lookup.python;
  it.skipIf(!samples || !python)('reproduces the groups of real Keras 2.13.1 files', () => {
    if (!samples || !python) return console.warn(`skipped: samples ${samples ?? 'absent'}; python: ${describePythonLookup(lookup)}`);
    const script = `
import h5py, io, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
config = json.loads(z.read('config.json'))
h5 = h5py.File(io.BytesIO(z.read('model.weights.h5')), 'r')
prefix = '_layer_checkpoint_dependencies'
if prefix in h5:
    groups = list(h5[prefix].keys())
else:  # saved on Windows: one root group per layer, named with backslashes
    groups = [k.split('\\\\')[1] for k in h5.keys() if k.startswith(prefix + '\\\\')]
layers = [l for l in config['config']['layers'] if l['class_name'] != 'InputLayer' or config['class_name'] != 'Sequential']
print(json.dumps({'groups': sorted(groups), 'layers': [l['class_name'] for l in layers]}))
`;
    for (const file of ['mpnunez_mnist-gan_descriminator.keras', '8shagrid_deteksi_model_2.13.1.keras']) {
      const real = JSON.parse(runPython(python, script, [join(samples, file)])) as { groups: string[]; layers: string[] };
      const weighted = new Set(['Conv2D', 'Dense', 'BatchNormalization']);
      const ours = checkpointGroupPaths(real.layers.map((className) => ({ className, weighted: weighted.has(className) })));
      expect(ours.map((p) => p.split('/')[1]).sort(), file).toEqual(real.groups);
    }
  });
});
