import { specParameterCount, type ConvSpec, type SfNfNetSpec } from '@mule-ts/core';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describePythonLookup, findPython, makeTempDir, runPython } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointGroupPaths } from './checkpoint-paths.js';
import { SMALL_TEST_OPTIONS, SMALL_TEST_SPEC } from './small-options.js';
import { buildKerasModel, writeKerasArchive, writeKerasFixture } from './write-keras.js';

const lookup = findPython(['numpy', 'h5py']);
const python = lookup.python;
const WALK_SCRIPT = fileURLToPath(new URL('./__fixtures__/walk_keras.py', import.meta.url));

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface LayerEntry {
  class_name: string;
  name: string;
  config: Record<string, Json>;
  build_config?: { input_shape: Json };
  inbound_nodes: Json;
}
interface Walk {
  members: Array<{ name: string; compress_type: number; flag_bits: number; extra_len: number; date_time: number[]; external_attr: number }>;
  metadata: Record<string, Json>;
  config: { class_name: string; config: { layers: LayerEntry[]; input_layers: Json; output_layers: Json } };
  config_is_python_json: boolean;
  superblock_version: number;
  root_keys: string[];
  items: Array<{ path: string; kind: 'group' | 'dataset'; shape?: number[]; dtype?: string; members?: number }>;
  params: number;
  weights_sha256: string;
  nan_datasets: string[];
  size: number;
}

async function walk(file: string): Promise<Walk> {
  return JSON.parse(runPython(python!, await readFile(WALK_SCRIPT, 'utf8'), [file])) as Walk;
}

/** Every conv of the spec as a Keras kernel shape (kh, kw, in/groups, out), independent of the graph builder. */
function specKernelShapes(spec: SfNfNetSpec): string[] {
  const convs: ConvSpec[] = [...spec.slow.stem, ...spec.fast.stem];
  for (const path of [spec.slow, spec.fast]) {
    for (const b of path.stages.flatMap((s) => s.blocks)) convs.push(...b.convs, ...(b.shortcut ? [b.shortcut] : []));
  }
  for (const f of spec.fusions) convs.push(f.temporal, f.pointwise);
  return convs.map((c) => JSON.stringify([...c.kernel, c.inChannels / c.groups, c.outChannels])).sort();
}

/** Layer names referenced anywhere in an inbound_nodes structure: arrays [name, int, int, ...]. */
function referencedNames(node: Json): string[] {
  if (!Array.isArray(node)) {
    return node !== null && typeof node === 'object' ? Object.values(node).flatMap(referencedNames) : [];
  }
  if (typeof node[0] === 'string' && typeof node[1] === 'number' && typeof node[2] === 'number') {
    return [node[0], ...node.slice(3).flatMap(referencedNames)];
  }
  return node.flatMap(referencedNames);
}

const lastOf = <T,>(a: readonly T[]): T => a[a.length - 1]!;

describe.skipIf(!python)('small fixture read back with h5py', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let file: string;
  let w: Walk;

  beforeAll(async () => {
    tmp = await makeTempDir();
    file = join(tmp.dir, 'small.keras');
    await writeKerasFixture({ size: 'small', seed: 11, out: file });
    w = await walk(file);
  });
  afterAll(async () => tmp?.cleanup());

  it('is a stored zip with metadata.json, config.json, model.weights.h5 laid out like Python zipfile', () => {
    expect(w.members.map((m) => m.name)).toEqual(['metadata.json', 'config.json', 'model.weights.h5']);
    for (const m of w.members) {
      expect(m.compress_type, m.name).toBe(0);
      expect(m.flag_bits, m.name).toBe(0);
      expect(m.extra_len, m.name).toBe(0);
      expect(m.external_attr, m.name).toBe(0o600 << 16);
    }
    expect(w.members[0]!.date_time).toEqual([1980, 1, 1, 0, 0, 0]);
    expect(w.members[1]!.date_time).toEqual([1980, 1, 1, 0, 0, 0]);
    expect(w.metadata.keras_version).toBe('2.13.1');
    expect(String(w.metadata.date_saved)).toMatch(/^\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d$/);
    expect(w.config_is_python_json).toBe(true);
    expect(w.superblock_version).toBe(0);
  });

  it('has the per-class layer counts the small spec implies', () => {
    // 14 blocks (8 transition, 6 with frequency downsampling), 4 fusions, 2 x 4 stem convs.
    const counts: Record<string, number> = {};
    for (const l of w.config.config.layers) counts[l.class_name] = (counts[l.class_name] ?? 0) + 1;
    expect(counts).toEqual({
      InputLayer: 1,
      WeightStandardization: 8 + 14 * 4 + 8 + 4 * 2,
      Activation: 6 + 14 * 4 + 1,
      ScalarMultiply: 14 * 3,
      StochDepth: 14,
      Dense: 14 * 2,
      GlobalAveragePooling2D: 14 + 2,
      TFOpLambda: 14 * 4,
      AveragePooling2D: 6,
      Concatenate: 4 + 1,
    });
  });

  it('lists layers in Functional order: input first, fast-stem conv first, scaled GELU last, inputs before use', () => {
    const layers = w.config.config.layers;
    expect(layers[0]!.class_name).toBe('InputLayer');
    expect(w.config.config.input_layers).toEqual([[layers[0]!.name, 0, 0]]);
    const last = lastOf(layers);
    expect(last.class_name).toBe('Activation');
    expect((last.config.activation as Record<string, Json>).config).toBe('_scaled_gelu_activation');
    expect(w.config.config.output_layers).toEqual([[last.name, 0, 0]]);

    const firstWs = layers.find((l) => l.class_name === 'WeightStandardization')!;
    const conv = (firstWs.config.layer as { config: Record<string, Json> }).config;
    expect(conv.kernel_size).toEqual([3, 3]); // fast stem; the slow stem starts with (3, 1)
    expect(conv.strides).toEqual([2, 2]);
    expect(conv.filters).toBe(SMALL_TEST_OPTIONS.fastStemChannels[0]);

    const seen = new Set<string>();
    for (const l of layers) {
      for (const ref of referencedNames(l.inbound_nodes)) expect(seen.has(ref), `${l.name} uses ${ref}`).toBe(true);
      seen.add(l.name);
    }
    expect(seen.size).toBe(layers.length);
  });

  it('holds exactly the groups and datasets the config implies, with the 2.13 doubled numbering', () => {
    const layers = w.config.config.layers;
    const weighted = (l: LayerEntry): boolean =>
      l.class_name === 'WeightStandardization' || l.class_name === 'Dense' || (l.class_name === 'ScalarMultiply' && l.config.learnable === true);
    const paths = checkpointGroupPaths(layers.map((l) => ({ className: l.class_name, weighted: weighted(l) })));
    const expected = new Map<string, string>([
      ['vars', 'group'],
      ['_layer_checkpoint_dependencies', 'group'],
    ]);
    layers.forEach((l, i) => {
      const p = paths[i]!;
      expected.set(p, 'group').set(`${p}/vars`, 'group');
      const inShape = (l.build_config?.input_shape ?? []) as number[];
      const channelsIn = lastOf(inShape);
      if (l.class_name === 'WeightStandardization') {
        const c = (l.config.layer as { config: { kernel_size: number[]; filters: number; groups: number } }).config;
        expected.set(`${p}/vars/0`, JSON.stringify([...c.kernel_size, channelsIn / c.groups, c.filters]));
        expected.set(`${p}/vars/1`, JSON.stringify([c.filters]));
        expected.set(`${p}/layer`, 'group').set(`${p}/layer/vars`, 'group');
        expected.set(`${p}/layer/vars/0`, JSON.stringify([c.filters]));
      } else if (l.class_name === 'Dense') {
        expected.set(`${p}/vars/0`, JSON.stringify([channelsIn, l.config.units]));
        expected.set(`${p}/vars/1`, JSON.stringify([l.config.units]));
      } else if (weighted(l)) {
        expected.set(`${p}/vars/0`, '[]');
      }
    });
    const found = new Map(w.items.map((it) => [it.path, it.kind === 'group' ? 'group' : JSON.stringify(it.shape)]));
    expect(Object.fromEntries([...found].sort())).toEqual(Object.fromEntries([...expected].sort()));
    expect(w.root_keys).toEqual(['_layer_checkpoint_dependencies', 'vars']);
    expect(w.items.find((it) => it.path === 'vars')!.members).toBe(0);
    for (const it of w.items.filter((x) => x.kind === 'dataset')) expect(it.dtype, it.path).toBe('<f4');
    expect(paths[0]).toBe('_layer_checkpoint_dependencies/input_layer');
  });

  it('stores the weights the spec implies: kernel shapes, parameter count, scalar skip gains', () => {
    const datasets = w.items.filter((it) => it.kind === 'dataset');
    const kernels = datasets
      .filter((d) => /weight_standardization(_\d+)?\/vars\/0$/.test(d.path))
      .map((d) => JSON.stringify(d.shape))
      .sort();
    expect(kernels).toEqual(specKernelShapes(SMALL_TEST_SPEC));
    const scalars = datasets.filter((d) => /scalar_multiply(_\d+)?\/vars\/0$/.test(d.path));
    expect(scalars).toHaveLength(14);
    for (const s of scalars) expect(s.shape).toEqual([]);
    expect(w.params).toBe(specParameterCount(SMALL_TEST_SPEC));
    expect(w.nan_datasets).toEqual([]);
  });
});

describe.skipIf(!python)('seeds', () => {
  it('same seed gives identical weights, a different seed different ones', async () => {
    const tmp = await makeTempDir();
    try {
      const digests: string[] = [];
      for (const [name, seed] of [['a', 5], ['b', 5], ['c', 6]] as const) {
        const out = join(tmp.dir, `${name}.keras`);
        await writeKerasFixture({ size: 'small', seed, out });
        digests.push((await walk(out)).weights_sha256);
      }
      expect(digests[0]).toBe(digests[1]);
      expect(digests[2]).not.toBe(digests[0]);
    } finally {
      await tmp.cleanup();
    }
  });
});

describe.skipIf(!python)('draft mutations', () => {
  it('writes what the mutated draft says: dropped, reshaped, NaN and extra datasets, edited config', async () => {
    const tmp = await makeTempDir();
    try {
      const draft = buildKerasModel(SMALL_TEST_SPEC, { seed: 3 });
      const dropped = draft.datasets.splice(5, 1)[0]!;
      const reshaped = draft.datasets.find((d) => d.path.endsWith('dense/vars/0'))!;
      reshaped.shape = [3, 2];
      const poisoned = draft.datasets.find((d) => d.path.endsWith('/layer/vars/0'))!;
      const clean = poisoned.generate;
      poisoned.generate = () => {
        const a = clean();
        a[0] = Number.NaN;
        return a;
      };
      draft.datasets.push({ path: '_layer_checkpoint_dependencies/extra/vars/0', shape: [4], generate: () => new Float32Array(4) });
      (draft.config.config as { name: string }).name = 'edited';
      const out = join(tmp.dir, 'bad.keras');
      await writeKerasArchive(draft, out);
      const w = await walk(out);
      const byPath = new Map(w.items.map((it) => [it.path, it]));
      expect(byPath.has(dropped.path)).toBe(false);
      expect(byPath.get(reshaped.path)!.shape).toEqual([3, 2]);
      expect(w.nan_datasets).toEqual([poisoned.path]);
      expect(byPath.get('_layer_checkpoint_dependencies/extra/vars/0')!.shape).toEqual([4]);
      expect((w.config.config as unknown as { name: string }).name).toBe('edited');
    } finally {
      await tmp.cleanup();
    }
  });

  it('leaves nothing behind when writing fails', async () => {
    const tmp = await makeTempDir();
    try {
      const draft = buildKerasModel(SMALL_TEST_SPEC, { seed: 3 });
      draft.datasets[10]!.generate = () => {
        throw new Error('boom');
      };
      await expect(writeKerasArchive(draft, join(tmp.dir, 'x.keras'))).rejects.toThrow('boom');
      expect(await readdir(tmp.dir)).toEqual([]);
      await expect(writeKerasArchive(draft, join(tmp.dir, 'missing', 'x.keras'))).rejects.toThrow(/does not exist/);
    } finally {
      await tmp.cleanup();
    }
  });
});

if (!python) console.warn(`skipped the h5py read-back tests: ${describePythonLookup(lookup)}`);
