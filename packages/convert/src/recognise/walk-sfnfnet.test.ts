import { MULE_F0_SPEC, MuleError, canonicalTensors, type SfNfNetSpec } from '@mule-ts/core';
import { SMALL_TEST_SPEC, buildKerasGraph, kerasModelConfig } from '@mule-ts/keras-fixture';
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../keras/model-config.js';
import type { KerasLayer } from '../keras/types.js';
import { recogniseSfNfNet } from './walk-sfnfnet.js';

const FILE = 'fixture.keras';

function configOf(spec: SfNfNetSpec): Record<string, unknown> {
  return JSON.parse(JSON.stringify(kerasModelConfig(buildKerasGraph(spec)))) as Record<string, unknown>;
}

function recogniseConfig(config: Record<string, unknown>) {
  const parsed = parseModelConfig(config, { file: FILE, member: 'config.json' });
  return recogniseSfNfNet({ file: FILE, layers: parsed.layers, outputs: parsed.outputs });
}

function layersOf(config: Record<string, unknown>): Array<Record<string, unknown>> {
  return (config.config as { layers: Array<Record<string, unknown>> }).layers;
}

function expectArchitectureError(fn: () => unknown, pattern: RegExp): MuleError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MuleError);
    const err = e as MuleError;
    expect(err.code).toBe('WRONG_ARCHITECTURE');
    expect(err.message).toContain(FILE);
    expect(err.message).toMatch(pattern);
    return err;
  }
  throw new Error('expected a WRONG_ARCHITECTURE error');
}

describe('recogniseSfNfNet', () => {
  it('reads the full MULE architecture back from a Keras 2.13 config, constants included', () => {
    const r = recogniseConfig(configOf(MULE_F0_SPEC));
    expect(r.spec).toEqual(MULE_F0_SPEC);
    expect(r.blocks.slow.map((s) => s.length)).toEqual([1, 2, 6, 3]);
    expect(r.fusions).toHaveLength(4);
    expect(r.spec.embeddingDim).toBe(1728);
  });

  it('reads the small variant (every structural feature, few channels)', () => {
    const r = recogniseConfig(configOf(SMALL_TEST_SPEC));
    expect(r.spec).toEqual(SMALL_TEST_SPEC);
    expect(canonicalTensors(r.spec).length).toBe(canonicalTensors(SMALL_TEST_SPEC).length);
  });

  it('does not depend on layer names: renaming every layer changes nothing', () => {
    const config = configOf(SMALL_TEST_SPEC);
    const rename = new Map(layersOf(config).map((l, i) => [l.name as string, `zz_${(i * 7919) % 1000}_${i}`]));
    // Replace every string that is a layer name inside inbound nodes and input/output lists.
    const renameRefs = (v: unknown): unknown =>
      typeof v === 'string' ? (rename.get(v) ?? v) : Array.isArray(v) ? v.map(renameRefs) : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renameRefs(x)]))
        : v;
    for (const l of layersOf(config)) {
      l.inbound_nodes = renameRefs(l.inbound_nodes);
      l.name = rename.get(l.name as string);
      (l.config as Record<string, unknown>).name = l.name;
    }
    const inner = config.config as Record<string, unknown>;
    inner.input_layers = renameRefs(inner.input_layers);
    inner.output_layers = renameRefs(inner.output_layers);
    const r = recogniseConfig(config);
    expect(r.spec).toEqual(SMALL_TEST_SPEC);
    expect(r.stems.slow[0]!.layer.name).toMatch(/^zz_/);
  });

  it('accepts a model saved with a free time axis (input [null, 96, null, 1]) as 300-frame slices', () => {
    const config = configOf(SMALL_TEST_SPEC);
    const input = layersOf(config).find((l) => l.class_name === 'InputLayer')!;
    (input.config as { batch_input_shape: unknown[] }).batch_input_shape = [null, 96, null, 1];
    expect(recogniseConfig(config).spec).toEqual(SMALL_TEST_SPEC);
    (input.config as { batch_input_shape: unknown[] }).batch_input_shape = [null, null, 300, 1];
    expectArchitectureError(() => recogniseConfig(config), /has shape \[null,null,300,1\]/);
  });

  it('reads betas and alpha from the config, not from constants', () => {
    const config = configOf(SMALL_TEST_SPEC);
    const betas = layersOf(config).filter(
      (l) => l.class_name === 'ScalarMultiply' && (l.config as { learnable: boolean }).learnable === false && (l.config as { init_gain: number }).init_gain !== 0.2,
    );
    (betas[1]!.config as { init_gain: number }).init_gain = 0.5;
    const r = recogniseConfig(config);
    const allBetas = [...r.spec.slow.stages, ...r.spec.fast.stages].flatMap((s) => s.blocks.map((b) => b.beta));
    expect(allBetas).toContain(0.5);
  });

  it('refuses a model of another architecture, naming the file and the layer', () => {
    const config = configOf(SMALL_TEST_SPEC);
    const layers = layersOf(config);
    const ws = layers.find((l) => l.class_name === 'WeightStandardization')!;
    ws.class_name = 'Conv2D';
    const err = expectArchitectureError(() => recogniseConfig(config), /WeightStandardization/);
    expect(err.details.layer).toBeDefined();
  });

  it('refuses a fusion concatenation in the wrong order', () => {
    const config = configOf(SMALL_TEST_SPEC);
    const head = layersOf(config).filter((l) => l.class_name === 'Concatenate').pop()!;
    const nodes = head.inbound_nodes as unknown[][][];
    nodes[0]!.reverse();
    expectArchitectureError(() => recogniseConfig(config), /concatenat|stem|fusion/i);
  });

  it('refuses a training checkpoint with an fc head, saying so', () => {
    const config = configOf(SMALL_TEST_SPEC);
    const layers = layersOf(config);
    const last = layers[layers.length - 1]!;
    layers.push({
      module: 'keras.layers',
      class_name: 'Dense',
      config: { name: 'fc', units: 8, activation: 'linear', use_bias: false },
      registered_name: null,
      name: 'fc',
      inbound_nodes: [[[last.name, 0, 0, {}]]],
    });
    (config.config as Record<string, unknown>).output_layers = [['fc', 0, 0]];
    expectArchitectureError(() => recogniseConfig(config), /training checkpoint/);
  });

  it('refuses a squeeze-excite without the 2x', () => {
    const config = configOf(SMALL_TEST_SPEC);
    const times2 = layersOf(config).find(
      (l) => l.class_name === 'TFOpLambda' && JSON.stringify(l.inbound_nodes).includes('"y":2'),
    )!;
    (times2.inbound_nodes as Array<[string, number, number, Record<string, unknown>]>)[0]![3].y = 3.0;
    expectArchitectureError(() => recogniseConfig(config), /multiplies by 3/);
  });

  it('never trusts a layer it did not reach', () => {
    const config = configOf(SMALL_TEST_SPEC);
    const layers = layersOf(config);
    const input = layers[0]!;
    layers.push({
      module: 'keras.layers',
      class_name: 'Activation',
      config: { name: 'stray', activation: 'relu' },
      registered_name: null,
      name: 'stray',
      inbound_nodes: [[[input.name, 0, 0, {}]]],
    });
    expectArchitectureError(() => recogniseConfig(config), /input/);
  });

  it('keeps the layer objects of each binding', () => {
    const r = recogniseConfig(configOf(SMALL_TEST_SPEC));
    const all: KerasLayer[] = [...r.stems.slow, ...r.stems.fast].map((c) => c.layer);
    expect(all.every((l) => l.className === 'WeightStandardization')).toBe(true);
    expect(r.blocks.fast[1]![0]!.shortcut).not.toBeNull();
    expect(r.blocks.fast[1]![1]!.shortcut).toBeNull();
  });
});
