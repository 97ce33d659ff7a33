import { MuleError } from '@mule-ts/core';
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from './model-config.js';

const SOURCE = { file: 'm.keras', member: 'config.json' };

/** Layer entries as Keras 2.13 writes them (KERAS_FORMAT.md section 3). */
const KERAS_213_FUNCTIONAL = {
  module: 'keras.src.engine.functional',
  class_name: 'Functional',
  config: {
    name: 'model',
    trainable: true,
    layers: [
      { module: 'keras.layers', class_name: 'InputLayer', config: { name: 'input_1' }, registered_name: null, name: 'input_1', inbound_nodes: [] },
      {
        module: 'keras.layers',
        class_name: 'Dense',
        config: { name: 'dense_3', units: 4 },
        registered_name: null,
        build_config: { input_shape: [null, 4] },
        name: 'dense_3',
        inbound_nodes: [[['input_1', 0, 0, {}]]],
      },
      {
        module: 'keras.src.layers.core.tf_op_layer',
        class_name: 'TFOpLambda',
        config: { name: 'tf.expand_dims_1', function: 'expand_dims' },
        registered_name: 'TFOpLambda',
        name: 'tf.expand_dims_1',
        inbound_nodes: [['dense_3', 0, 0, { axis: 1 }]],
      },
      {
        module: 'keras.src.layers.core.tf_op_layer',
        class_name: 'TFOpLambda',
        config: { name: 'tf.math.multiply', function: 'math.multiply' },
        registered_name: 'TFOpLambda',
        name: 'tf.math.multiply',
        inbound_nodes: [['tf.expand_dims_1', 0, 0, { y: ['dense_3', 0, 0], name: null }]],
      },
      {
        module: 'keras.src.layers.core.tf_op_layer',
        class_name: 'TFOpLambda',
        config: { name: 'tf.math.multiply_1', function: 'math.multiply' },
        registered_name: 'TFOpLambda',
        name: 'tf.math.multiply_1',
        inbound_nodes: [['tf.math.multiply', 0, 0, { y: 2.0, name: null }]],
      },
      {
        module: 'mule.models.layers.stoch_depth',
        class_name: 'StochDepth',
        config: { name: 'stoch_depth', survival_probability: 1.0 },
        registered_name: 'StochDepth',
        name: 'stoch_depth',
        inbound_nodes: [[['input_1', 0, 0, {}], ['tf.math.multiply_1', 0, 0, {}]]],
      },
      {
        module: 'keras.src.layers.core.tf_op_layer',
        class_name: 'TFOpLambda',
        config: { name: 'tf.math.add', function: 'math.add' },
        name: 'tf.math.add',
        inbound_nodes: [['_CONSTANT_VALUE', -1, 1.5, { y: ['stoch_depth', 0, 0], name: null }]],
      },
      { module: 'mule.models.layers.scalar_multiply', class_name: 'ScalarMultiply', config: { init_gain: 0.0, learnable: true }, name: 'scalar_multiply', inbound_nodes: [[['tf.math.add', 0, 0, {}]]], shared_object_id: 3 },
    ],
    input_layers: [['input_1', 0, 0]],
    output_layers: [['scalar_multiply', 0, 0]],
  },
  registered_name: 'Functional',
};

describe('parseModelConfig', () => {
  it('normalises Keras 2 nested lists, TFOpLambda un-wrapped nodes, kwarg tensors and _CONSTANT_VALUE', () => {
    const m = parseModelConfig(KERAS_213_FUNCTIONAL, SOURCE);
    expect(m.modelClass).toBe('Functional');
    expect(m.layers.map((l) => l.name)).toEqual([
      'input_1',
      'dense_3',
      'tf.expand_dims_1',
      'tf.math.multiply',
      'tf.math.multiply_1',
      'stoch_depth',
      'tf.math.add',
      'scalar_multiply',
    ]);
    const [input, dense, expand, multiply, times2, stoch, add, scalar] = m.layers;
    expect(input?.calls).toEqual([]);
    expect(dense?.calls).toEqual([{ inputs: [{ layer: 'input_1', nodeIndex: 0, tensorIndex: 0 }], kwargs: {}, kwargRefs: {} }]);
    expect(expand?.calls).toEqual([{ inputs: [{ layer: 'dense_3', nodeIndex: 0, tensorIndex: 0 }], kwargs: { axis: 1 }, kwargRefs: {} }]);
    expect(multiply?.calls[0]?.kwargRefs).toEqual({ y: { layer: 'dense_3', nodeIndex: 0, tensorIndex: 0 } });
    expect(multiply?.calls[0]?.kwargs).toEqual({ y: ['dense_3', 0, 0], name: null });
    expect(times2?.calls[0]?.kwargRefs).toEqual({});
    expect(times2?.calls[0]?.kwargs.y).toBe(2.0);
    expect(stoch?.calls[0]?.inputs.map((r) => r.layer)).toEqual(['input_1', 'tf.math.multiply_1']);
    expect(add?.calls[0]?.inputs).toEqual([]);
    expect(add?.calls[0]?.firstArgConstants).toEqual([{ position: 0, value: 1.5 }]);
    expect(add?.calls[0]?.kwargRefs.y?.layer).toBe('stoch_depth');
    // The outer name is present even when the inner config has none.
    expect(scalar?.name).toBe('scalar_multiply');
    expect(scalar?.config).toEqual({ init_gain: 0.0, learnable: true });
    expect(m.inputs).toEqual([{ layer: 'input_1', nodeIndex: 0, tensorIndex: 0 }]);
    expect(m.outputs).toEqual([{ layer: 'scalar_multiply', nodeIndex: 0, tensorIndex: 0 }]);
  });

  it('reads the Keras 3 dict form and every shape of input_layers', () => {
    const tensor = (layer: string, node = 0) => ({
      class_name: '__keras_tensor__',
      config: { shape: [null, 4], dtype: 'float32', keras_history: [layer, node, 0] },
    });
    const config = {
      module: 'keras.src.models.functional',
      class_name: 'Functional',
      config: {
        name: 'f',
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { name: 'image' }, name: 'image', inbound_nodes: [] },
          { module: 'keras.layers', class_name: 'Dense', config: { name: 'd' }, name: 'd', inbound_nodes: [{ args: [tensor('image')], kwargs: {} }] },
          {
            module: 'keras.src.ops.numpy',
            class_name: 'Multiply',
            config: { name: 'multiply' },
            name: 'multiply',
            inbound_nodes: [{ args: [tensor('d'), tensor('image')], kwargs: { mask: tensor('d') } }],
          },
          { module: 'keras.layers', class_name: 'Concatenate', config: { name: 'c' }, name: 'c', inbound_nodes: [{ args: [[tensor('d'), tensor('multiply')]], kwargs: { axis: -1 } }] },
        ],
        input_layers: ['image', 0, 0],
        output_layers: [['c', 0, 0]],
      },
    };
    const m = parseModelConfig(config, SOURCE);
    expect(m.inputs).toEqual([{ layer: 'image', nodeIndex: 0, tensorIndex: 0 }]);
    const [, dense, multiply, concat] = m.layers;
    expect(dense?.calls[0]?.inputs).toEqual([{ layer: 'image', nodeIndex: 0, tensorIndex: 0 }]);
    expect(multiply?.calls[0]?.inputs.map((r) => r.layer)).toEqual(['d']);
    expect(multiply?.calls[0]?.otherArgRefs?.map((r) => r.layer)).toEqual(['image']);
    expect(multiply?.calls[0]?.kwargRefs.mask?.layer).toBe('d');
    expect(concat?.calls[0]?.inputs.map((r) => r.layer)).toEqual(['d', 'multiply']);
    expect(concat?.calls[0]?.kwargs).toEqual({ axis: -1 });

    const dictInputs = parseModelConfig({ ...config, config: { ...config.config, input_layers: { a: ['image', 0, 0], b: ['d', 0, 0] } } }, SOURCE);
    expect(dictInputs.inputs.map((r) => r.layer)).toEqual(['image', 'd']);
  });

  it('reads legacy entries without module and makes the Sequential chain explicit', () => {
    const m = parseModelConfig(
      {
        class_name: 'Sequential',
        config: {
          name: 'sequential',
          layers: [
            { class_name: 'InputLayer', config: { name: 'conv2d_input', batch_input_shape: [null, 48, 48, 1] } },
            { class_name: 'Conv2D', config: { name: 'conv2d', filters: 32 } },
            { class_name: 'Flatten', config: { name: 'flatten' } },
          ],
        },
      },
      SOURCE,
    );
    expect(m.layers.map((l) => [l.name, l.className, l.module])).toEqual([
      ['conv2d_input', 'InputLayer', null],
      ['conv2d', 'Conv2D', null],
      ['flatten', 'Flatten', null],
    ]);
    expect(m.layers.map((l) => l.calls.map((c) => c.inputs.map((r) => r.layer)))).toEqual([[], [['conv2d_input']], [['conv2d']]]);
    expect(m.inputs.map((r) => r.layer)).toEqual(['conv2d_input']);
    expect(m.outputs.map((r) => r.layer)).toEqual(['flatten']);
  });

  it('yields an empty graph for a subclassed model', () => {
    const m = parseModelConfig({ module: null, class_name: 'VAE', config: {}, registered_name: 'VAE' }, SOURCE);
    expect(m).toMatchObject({ modelClass: 'VAE', layers: [], subclassed: true });
  });

  it('refuses a config without class_name, naming file and member', () => {
    expect(() => parseModelConfig({ config: {} }, SOURCE)).toThrow(MuleError);
    expect(() => parseModelConfig({ class_name: 'Functional', config: { layers: [{ config: {} }] } }, SOURCE)).toThrow(
      /m\.keras, config\.json: layer 0/,
    );
  });
});
