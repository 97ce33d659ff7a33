import { specParameterCount } from '@mule-ts/core';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describePythonLookup, findPython, kerasSamplesDir, makeTempDir, runPython } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLegacyKerasModel } from './legacy-keras-model.js';
import { SMALL_TEST_SPEC } from './small-options.js';
import { writeKerasFixture } from './write-keras.js';
import { writeLegacyKerasFixture, writeLegacyKerasH5 } from './write-legacy-h5.js';

const lookup = findPython(['numpy', 'h5py']);
const python = lookup.python;
const WALK_SCRIPT = fileURLToPath(new URL('./__fixtures__/walk_legacy_h5.py', import.meta.url));
const samples = kerasSamplesDir();
const REAL_LEGACY = samples ? join(samples, '8shagrid_deteksi_model_2.13.1_legacy.h5') : null;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type AttrType = { kind: string; cset?: number; vlen?: boolean; dtype?: string; shape: number[] };
interface LegacyWalk {
  superblock_version: number;
  root_keys: string[];
  root_attrs: Record<string, AttrType>;
  model_weights_attrs: Record<string, AttrType>;
  keras_version: string;
  backend: string;
  mw_keras_version: string;
  mw_backend: string;
  model_config: { class_name: string; config: { name: string; layers: Array<Record<string, Json>>; input_layers: Json; output_layers: Json } };
  config_is_python_json: boolean;
  layer_names: string[];
  groups: Record<string, { weight_names: string[]; weight_names_type: AttrType; datasets: Record<string, { shape: number[]; dtype: string }> }>;
  v3_comparison?: { compared: number; mismatches: string[] };
}

async function walk(file: string, v3?: string): Promise<LegacyWalk> {
  return JSON.parse(runPython(python!, await readFile(WALK_SCRIPT, 'utf8'), v3 ? [file, v3] : [file])) as LegacyWalk;
}

describe.skipIf(!python)('small legacy fixture read back with h5py', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let w: LegacyWalk;
  let v3Config: { config: { layers: Array<Record<string, Json>> } & Record<string, Json> };

  beforeAll(async () => {
    tmp = await makeTempDir();
    const h5 = join(tmp.dir, 'small.h5');
    const keras = join(tmp.dir, 'small.keras');
    await writeLegacyKerasFixture({ size: 'small', seed: 21, out: h5 });
    await writeKerasFixture({ size: 'small', seed: 21, out: keras });
    w = await walk(h5, keras);
    const zipWalk = runPython(python!, 'import json,sys,zipfile; print(zipfile.ZipFile(sys.argv[1]).read("config.json").decode())', [keras]);
    v3Config = JSON.parse(zipWalk) as typeof v3Config;
  });
  afterAll(async () => tmp?.cleanup());

  it('has the root layout of a Keras 2.13.1 legacy file', () => {
    expect(w.superblock_version).toBe(0);
    expect(w.root_keys).toEqual(['model_weights']);
    expect(w.keras_version).toBe('2.13.1');
    expect(w.mw_keras_version).toBe('2.13.1');
    expect(w.backend).toBe('tensorflow');
    expect(w.mw_backend).toBe('tensorflow');
    expect(w.config_is_python_json).toBe(true);
  });

  it.skipIf(!REAL_LEGACY || !existsSync(REAL_LEGACY))('uses the attribute types of a real Keras 2.13.1 .h5', async () => {
    const real = await walk(REAL_LEGACY!);
    const { training_config: _ignored, ...realRoot } = real.root_attrs;
    expect(w.root_attrs).toEqual(realRoot);
    // layer_names' shape is the layer count; compare the type alone.
    const typeOf = (a: AttrType) => ({ ...a, shape: a.shape.length });
    expect(Object.fromEntries(Object.entries(w.model_weights_attrs).map(([k, v]) => [k, typeOf(v)]))).toEqual(
      Object.fromEntries(Object.entries(real.model_weights_attrs).map(([k, v]) => [k, typeOf(v)])),
    );
    expect(typeOf(w.groups['dense']!.weight_names_type)).toEqual(typeOf(real.groups['dense']!.weight_names_type));
    const weightless = w.model_config.config.layers[0]!.name as string;
    expect(w.groups[weightless]!.weight_names_type).toEqual(real.groups['dropout']!.weight_names_type);
    expect(w.groups['top_level_model_weights']).toEqual(real.groups['top_level_model_weights']);
  });

  it('serialises the model config the legacy way: the .keras layer entries without module, registered_name, build_config', () => {
    const { layers, ...rest } = w.model_config.config;
    expect(w.model_config.class_name).toBe('Functional');
    expect(Object.keys(w.model_config)).toEqual(['class_name', 'config']);
    expect(Object.keys(w.model_config.config)).toEqual(['name', 'trainable', 'layers', 'input_layers', 'output_layers']);
    const { layers: v3Layers, ...v3Rest } = v3Config.config;
    expect(rest).toEqual(v3Rest);
    expect(layers).toHaveLength(v3Layers.length);
    layers.forEach((entry, i) => {
      expect(Object.keys(entry)).toEqual(['class_name', 'config', 'name', 'inbound_nodes']);
      const { module: _m, registered_name: _r, build_config: _b, ...expected } = v3Layers[i]!;
      expect(entry).toEqual(expected);
    });
  });

  it('has one group per layer named by layer.name, layer_names in model.layers order', () => {
    const configNames = w.model_config.config.layers.map((l) => l.name as string);
    expect(w.layer_names).toEqual(configNames);
    expect(Object.keys(w.groups).sort()).toEqual([...configNames, 'top_level_model_weights'].sort());
  });

  it('names each weight as Keras does and stores it at that name', () => {
    const shapes = (g: LegacyWalk['groups'][string]) => g.weight_names.map((n) => g.datasets[n]?.shape ?? null);
    for (const layer of w.model_config.config.layers) {
      const name = layer.name as string;
      const g = w.groups[name]!;
      expect(Object.keys(g.datasets).sort(), name).toEqual([...g.weight_names].sort());
      const config = layer.config as Record<string, Json>;
      if (layer.class_name === 'WeightStandardization') {
        const filters = ((config.layer as Record<string, Json>).config as Record<string, Json>).filters;
        expect(g.weight_names).toEqual([`${name}/kernel:0`, `${name}/Variable:0`, `${name}/bias:0`]);
        expect(shapes(g).slice(1)).toEqual([[filters], [filters]]);
      } else if (layer.class_name === 'Dense') {
        expect(g.weight_names).toEqual([`${name}/kernel:0`, `${name}/bias:0`]);
        expect(shapes(g)[1]).toEqual([config.units]);
      } else if (layer.class_name === 'ScalarMultiply' && config.learnable === true) {
        expect(g.weight_names).toEqual(['Variable:0']);
        expect(shapes(g)).toEqual([[]]);
      } else {
        expect(g.weight_names, name).toEqual([]);
        expect(g.weight_names_type).toEqual({ kind: 'other', dtype: '<f8', shape: [0] });
      }
    }
    const params = Object.values(w.groups)
      .flatMap((g) => Object.values(g.datasets))
      .reduce((n, d) => n + d.shape.reduce((a, b) => a * b, 1), 0);
    expect(params).toBe(specParameterCount(SMALL_TEST_SPEC));
    for (const d of Object.values(w.groups).flatMap((g) => Object.values(g.datasets))) expect(d.dtype).toBe('<f4');
  });

  it('holds the same values as the .keras fixture of the same seed, layer by layer', () => {
    const c = w.v3_comparison!;
    expect(c.mismatches).toEqual([]);
    // 80 WS x 3 + 28 Dense x 2 + 14 skip gains in the small spec.
    expect(c.compared).toBe(80 * 3 + 28 * 2 + 14);
  });
});

describe('writeLegacyKerasH5 failures', () => {
  it('refuses a name list Keras would split, and leaves nothing behind', async () => {
    const tmp = await makeTempDir();
    try {
      const draft = buildLegacyKerasModel(SMALL_TEST_SPEC, { seed: 1 });
      draft.layerNames = Array.from({ length: 3000 }, (_, i) => `a_rather_long_layer_name_${i}`);
      await expect(writeLegacyKerasH5(draft, join(tmp.dir, 'x.h5'))).rejects.toThrow(/layer_names.*exceeds 64512 bytes/);
      const poisoned = buildLegacyKerasModel(SMALL_TEST_SPEC, { seed: 1 });
      poisoned.layers.find((l) => l.weights.length > 0)!.weights[0]!.generate = () => {
        throw new Error('boom');
      };
      await expect(writeLegacyKerasH5(poisoned, join(tmp.dir, 'y.h5'))).rejects.toThrow('boom');
      expect(await readdir(tmp.dir)).toEqual([]);
      await expect(writeLegacyKerasH5(poisoned, join(tmp.dir, 'missing', 'z.h5'))).rejects.toThrow(/does not exist/);
    } finally {
      await tmp.cleanup();
    }
  });
});

if (!python) console.warn(`skipped the legacy h5py read-back tests: ${describePythonLookup(lookup)}`);
