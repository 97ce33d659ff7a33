// Single-layer checks of the Python reference evaluator against values computed by hand.
import { describe, expect, it } from 'vitest';
import { describePythonLookup, findPython } from '@mule-ts/test-utils';
import { callOf, evaluateConfig, flat, functionalConfig, inputLayer, kerasLayer, runReferenceScript } from './__fixtures__/reference-python.js';
import type { Json } from './__fixtures__/reference-python.js';

const lookup = findPython(['numpy', 'h5py']);
if (!lookup.python) console.warn(`skipping the Python reference tests: no python3 with numpy and h5py (${describePythonLookup(lookup)})`);
const python = lookup.python ?? '';

function conv2d(filters: number, kernel: [number, number], strides: [number, number], padding: string, groups = 1): Record<string, Json> {
  return { filters, kernel_size: kernel, strides, padding, data_format: 'channels_last', dilation_rate: [1, 1], groups, activation: 'linear', use_bias: true };
}

/** One layer after an input: evaluates it and returns its output values and shape. */
function single(layer: Record<string, Json>, inputShape: number[], input: Json, weights: Json[] = []): { values: number[]; shape: number[] } {
  const config = functionalConfig([inputLayer('x', inputShape), layer], 'x', layer.name as string);
  const r = evaluateConfig(python, config, { [layer.name as string]: weights }, [input]);
  if (!r.ok) throw new Error(r.error);
  return { values: flat(r.outputs[layer.name as string]), shape: r.shapes[layer.name as string]! };
}

/** Builds an NHWC array (batch 1, one channel) from rows. */
function image(rows: number[][]): Json {
  return [rows.map((row) => row.map((v) => [v]))];
}

describe.skipIf(!lookup.python)('reference evaluator: single layers against hand-computed values', () => {
  it("Conv2D 'same', kernel (3,1), strides (2,8) on a 5 x 17 input: pads rows 1 before/1 after, none on columns", () => {
    // x[h][w] = 100h + w; taps 1,2,3 over rows h-1, h, h+1 (row -1 and row 5 are padding).
    const rows = [0, 1, 2, 3, 4].map((h) => Array.from({ length: 17 }, (_, w) => 100 * h + w));
    const layer = kerasLayer('Conv2D', 'conv', conv2d(1, [3, 1], [2, 8], 'same'), callOf('x'));
    const { values, shape } = single(layer, [5, 17, 1], image(rows), [[[[[1]]], [[[2]]], [[[3]]]], [0]]);
    expect(shape).toEqual([1, 3, 3, 1]);
    // row 0: 2x[0]+3x[1] = 300+5w; row 1: x[1]+2x[2]+3x[3] = 1400+6w; row 2: x[3]+2x[4] = 1100+3w; w = 0, 8, 16
    expect(values).toEqual([300, 340, 380, 1400, 1448, 1496, 1100, 1124, 1148]);
  });

  it("Conv2D 'same', kernel 4, stride 2 on width 5: total pad 3 = 1 before + 2 after (the extra one after)", () => {
    const layer = kerasLayer('Conv2D', 'conv', conv2d(1, [1, 4], [1, 2], 'same'), callOf('x'));
    const kernel = [[[[1]], [[10]], [[100]], [[1000]]]];
    const { values, shape } = single(layer, [1, 5, 1], image([[1, 2, 3, 4, 5]]), [kernel, [0.5]]);
    expect(shape).toEqual([1, 1, 3, 1]);
    // padded [0,1,2,3,4,5,0,0], windows at 0, 2, 4
    expect(values).toEqual([3210.5, 5432.5, 54.5]);
  });

  it("Conv2D 'same', kernel 3, stride 8 on width 13: no padding at all (total pad max(-2, 0) = 0)", () => {
    const layer = kerasLayer('Conv2D', 'conv', conv2d(1, [1, 3], [1, 8], 'same'), callOf('x'));
    const row = Array.from({ length: 13 }, (_, i) => i + 1);
    const { values } = single(layer, [1, 13, 1], image([row]), [[[[[1]], [[10]], [[100]]]], [0]]);
    expect(values).toEqual([321, 1209]);
  });

  it('grouped Conv2D (2 groups, 1x1): each group sees only its own input channels', () => {
    const layer = kerasLayer('Conv2D', 'conv', conv2d(4, [1, 1], [1, 1], 'same', 2), callOf('x'));
    const kernel = [[[[1, 10, 100, 1000], [2, 20, 200, 2000]]]]; // (1, 1, in/groups = 2, out = 4)
    const { values } = single(layer, [1, 1, 4], [[[[1, 2, 3, 4]]]], [kernel, [0.5, 0, 0, -1]]);
    // group 0: channels 1,2 -> outs 0,1; group 1: channels 3,4 -> outs 2,3
    expect(values).toEqual([1 * 1 + 2 * 2 + 0.5, 1 * 10 + 2 * 20, 3 * 100 + 4 * 200, 3 * 1000 + 4 * 2000 - 1]);
  });

  it("AveragePooling2D 'same' (2,1)/(2,1) on height 5: the last window holds one real cell and one pad, averaged over 1", () => {
    const layer = kerasLayer('AveragePooling2D', 'pool', { pool_size: [2, 1], strides: [2, 1], padding: 'same', data_format: 'channels_last' }, callOf('x'));
    const { values, shape } = single(layer, [5, 1, 1], image([[1], [2], [3], [4], [5]]));
    expect(shape).toEqual([1, 3, 1, 1]);
    expect(values).toEqual([1.5, 3.5, 5]);
  });

  it("AveragePooling2D 'same' 3x3 stride 1 on 3x3: corners average 4 cells, edges 6, the centre 9", () => {
    const layer = kerasLayer('AveragePooling2D', 'pool', { pool_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last' }, callOf('x'));
    const { values } = single(layer, [3, 3, 1], image([[1, 2, 3], [4, 5, 6], [7, 8, 9]]));
    expect(values).toEqual([3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7]);
  });

  it('WeightStandardization on a 2x1x2x2 kernel (one column under the 1e-4 variance floor), read out with one-hot inputs', () => {
    // v[kh][kw][in][out]: column 0 = 1,2,3,4 (gain 2); column 1 = 0,0,0,0.004 (gain 1).
    const v = [[[[1, 0], [2, 0]]], [[[3, 0], [4, 0.004]]]];
    const inner = { class_name: 'Conv2D', config: { name: 'conv2d', ...conv2d(2, [2, 1], [1, 1], 'valid') } };
    const layer = kerasLayer('WeightStandardization', 'ws', { layer: inner }, callOf('x'));
    const oneHots = [0, 1, 2, 3].map((k) => [0, 1].map((h) => [[0, 1].map((c) => (2 * h + c === k ? 1 : 0))]));
    const config = functionalConfig([inputLayer('x', [2, 1, 2]), layer], 'x', 'ws');
    const r = evaluateConfig(python, config, { ws: [v, [2, 1], [0.25, -1]] }, [oneHots]);
    expect(r.ok, r.error).toBe(true);
    const out = flat(r.outputs.ws); // (4, 1, 1, 2): row k = kernel entry k + bias
    // column 0: mean 2.5, var 1.25, fan_in 4 -> scale 2/sqrt(5); column 1: mean 0.001, var 3e-6,
    // var*fan_in = 1.2e-5 < 1e-4 -> scale 1/sqrt(1e-4) * 1 = 100.
    const s0 = 2 / Math.sqrt(5);
    const expected = [-1.5 * s0 + 0.25, -0.1 - 1, -0.5 * s0 + 0.25, -0.1 - 1, 0.5 * s0 + 0.25, -0.1 - 1, 1.5 * s0 + 0.25, 0.3 - 1];
    out.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 12));
  });

  it('the scaled GELU (exact erf) and scaled ReLU activations', () => {
    const xs = [-3, -1, -0.5, 0, 0.5, 1, 2];
    // erf(|x|/sqrt 2) = P(|Z| < |x|) for a standard normal Z, written out.
    const erfOf: Record<number, number> = { 0: 0, 0.5: 0.3829249225480262, 1: 0.6826894921370859, 2: 0.9544997361036416, 3: 0.9973002039367398 };
    const gelu = (x: number): number => 0.5 * x * (1 + Math.sign(x) * erfOf[Math.abs(x)]!);
    for (const [fn, expected] of [
      ['_scaled_gelu_activation', xs.map((x) => gelu(x) * 1.7015043497085571)],
      ['_scaled_relu_activation', xs.map((x) => Math.max(x, 0) * 1.7139588594436646)],
    ] as const) {
      const activation = { module: 'builtins', class_name: 'function', config: fn, registered_name: 'function' };
      const layer = kerasLayer('Activation', 'act', { activation }, callOf('x'));
      const { values } = single(layer, [1, 7, 1], image([xs]));
      values.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 14));
    }
  });

  it('squeeze-excite wiring: GAP, Dense relu/sigmoid, TFOpLambda multiply by a constant and by a tensor ref, expand_dims; ScalarMultiply, StochDepth, Concatenate', () => {
    // x (1, 1, 2, 2) = [[ [1, 2], [3, 4] ]]: GAP = [2, 3].
    const layers = [
      inputLayer('x', [1, 2, 2]),
      kerasLayer('GlobalAveragePooling2D', 'gap', { data_format: 'channels_last', keepdims: false }, callOf('x')),
      kerasLayer('Dense', 'd1', { units: 1, activation: 'relu', use_bias: true }, callOf('gap')),
      kerasLayer('Dense', 'd2', { units: 2, activation: 'sigmoid', use_bias: true }, callOf('d1')),
      kerasLayer('TFOpLambda', 'tf.math.multiply', { function: 'math.multiply' }, [['d2', 0, 0, { y: 2.0, name: null }]]),
      kerasLayer('TFOpLambda', 'tf.expand_dims', { function: 'expand_dims' }, [['tf.math.multiply', 0, 0, { axis: 1 }]]),
      kerasLayer('TFOpLambda', 'tf.expand_dims_1', { function: 'expand_dims' }, [['tf.expand_dims', 0, 0, { axis: 1 }]]),
      kerasLayer('TFOpLambda', 'tf.math.multiply_1', { function: 'math.multiply' }, [['tf.expand_dims_1', 0, 0, { y: ['x', 0, 0], name: null }]]),
      kerasLayer('ScalarMultiply', 'skip_gain', {}, callOf('tf.math.multiply_1')),
      kerasLayer('ScalarMultiply', 'beta', {}, callOf('x')),
      kerasLayer('StochDepth', 'sum', { survival_probability: 0.5, scale_during_test: true }, callOf('beta', 'skip_gain')),
      kerasLayer('Concatenate', 'cat', { axis: -1 }, callOf('sum', 'x')),
    ];
    layers[8]!.config = { init_gain: 0.0, learnable: true };
    layers[9]!.config = { init_gain: 0.5, learnable: false };
    const config = functionalConfig(layers, 'x', 'cat');
    // d1 = relu(2*1 + 3*(-1) + 0) = relu(-1) = 0; d2 = sigmoid(0*[.] + [0, ln 3]) = [0.5, 0.75];
    // se = 2*d2 = [1, 1.5]; h = x * se = [[1, 3], [3, 6]]; skip gain (h5 scalar) 3 -> [[3, 9], [9, 18]];
    // sum = 0.5x + 0.5 * that (scale_during_test) = [[2, 5.5], [6, 11]]; cat with x.
    const weights = { d1: [[[1], [-1]], [0]], d2: [[[5, 7]], [0, Math.log(3)]], skip_gain: [3] };
    const r = evaluateConfig(python, config, weights, [[[[[1, 2], [3, 4]]]]], ['cat', 'tf.expand_dims_1']);
    expect(r.ok, r.error).toBe(true);
    expect(r.shapes['tf.expand_dims_1']).toEqual([1, 1, 1, 2]);
    expect(r.shapes.cat).toEqual([1, 1, 2, 4]);
    flat(r.outputs.cat).forEach((v, i) => expect(v).toBeCloseTo([2, 5.5, 1, 2, 6, 11, 3, 4][i]!, 14));
  });

  it('refuses an unknown layer class and names the layer', () => {
    const layer = kerasLayer('Flatten', 'flatten_7', {}, callOf('x'));
    const config = functionalConfig([inputLayer('x', [1, 1, 1]), layer], 'x', 'flatten_7');
    const r = evaluateConfig(python, config, {}, [[[[[1]]]]]);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/flatten_7/);
    expect(r.error).toMatch(/Flatten/);
  });

  it('a layer class registered twice is an error (one registry entry per class)', () => {
    const script = `
import json
from mule_reference.graph_eval import register_layer
try:
    register_layer("Dense")(lambda call: None)
    print(json.dumps("registered"))
except ValueError as e:
    print(json.dumps(str(e)))`;
    expect(runReferenceScript<string>(python, script)).toMatch(/'Dense' is registered twice/);
  });

  it('refuses an unsupported TF op and an input of the wrong shape, naming the layer', () => {
    const op = kerasLayer('TFOpLambda', 'tf.math.add', { function: 'math.add' }, [['x', 0, 0, { y: 1 }]]);
    const r = evaluateConfig(python, functionalConfig([inputLayer('x', [1, 1, 1]), op], 'x', 'tf.math.add'), {}, [[[[[1]]]]]);
    expect(r.error).toMatch(/tf\.math\.add.*math\.add/);
    const conv = kerasLayer('Conv2D', 'c', conv2d(1, [1, 1], [1, 1], 'same'), callOf('x'));
    const bad = evaluateConfig(python, functionalConfig([inputLayer('x', [2, 2, 1]), conv], 'x', 'c'), { c: [[[[[1]]]], [0]] }, [[[[[1]]]]]);
    expect(bad.error).toMatch(/'x'.*\(1, 1, 1, 1\).*\(None, 2, 2, 1\)/);
  });
});
