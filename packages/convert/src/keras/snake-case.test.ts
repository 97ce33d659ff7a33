import { describe, expect, it } from 'vitest';
import { compareSlots } from './v3-weights.js';
import { keras3SnakeCase, kerasSnakeCase, snakeCaseFor } from './snake-case.js';

describe('kerasSnakeCase', () => {
  // Group names seen in real files and listed in KERAS_FORMAT.md 2.1.
  it.each([
    ['WeightStandardization', 'weight_standardization'],
    ['ScalarMultiply', 'scalar_multiply'],
    ['StochDepth', 'stoch_depth'],
    ['TFOpLambda', 'tf_op_lambda'],
    ['GlobalAveragePooling2D', 'global_average_pooling2d'],
    ['AveragePooling2D', 'average_pooling2d'],
    ['MaxPooling2D', 'max_pooling2d'],
    ['Conv2D', 'conv2d'],
    ['Conv2DTranspose', 'conv2d_transpose'],
    ['InputLayer', 'input_layer'],
    ['ReLU', 're_lu'],
    ['BatchNormalization', 'batch_normalization'],
    ['MeanMetricWrapper', 'mean_metric_wrapper'],
    ['_Private', 'private__private'], // python: to_snake_case('_Private')
  ])('%s -> %s', (name, snake) => {
    expect(kerasSnakeCase(name)).toBe(snake);
  });

  it('uses the Keras 3 rule for Keras 3 files', () => {
    expect(keras3SnakeCase('L2NormLayer')).toBe('l2_norm_layer');
    expect(keras3SnakeCase('CosineDistance')).toBe('cosine_distance');
    expect(snakeCaseFor('3.5.0')).toBe(keras3SnakeCase);
    expect(snakeCaseFor('2.13.1')).toBe(kerasSnakeCase);
    expect(snakeCaseFor(null)).toBe(kerasSnakeCase);
  });
});

describe('compareSlots', () => {
  it('orders vars numerically, own vars before sub-objects', () => {
    const slots = ['vars/10', 'layer/vars/0', 'vars/2', 'vars/0', 'vars/1'].map((s) => s.split('/'));
    expect(slots.sort(compareSlots).map((s) => s.join('/'))).toEqual(['vars/0', 'vars/1', 'vars/2', 'vars/10', 'layer/vars/0']);
  });
});
