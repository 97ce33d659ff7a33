import type { ConvSpec } from '@mule-ts/core';
import { describePythonLookup, findPython, runPython } from '@mule-ts/test-utils';
import { describe, expect, it } from 'vitest';
import { standardiseConvKernel } from './weight-standardisation.js';

const lookup = findPython(['numpy']);

describe('standardiseConvKernel', () => {
  it('matches the formula worked by hand on one 1×1×4 filter', () => {
    const conv: ConvSpec = { inChannels: 4, outChannels: 1, kernel: [1, 1], strides: [1, 1], groups: 1 };
    // mean 2.5, population variance 1.25, var·fan_in = 5: kernel = (v - 2.5)·gain/√5
    const w = standardiseConvKernel(Float32Array.from([1, 2, 3, 4]), Float32Array.of(2), conv);
    const s = 2 / Math.sqrt(5);
    expect(Array.from(w)).toEqual([-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s].map(Math.fround));
  });

  it('floors var·fan_in at 1e-4 (a nearly constant filter)', () => {
    const conv: ConvSpec = { inChannels: 4, outChannels: 1, kernel: [1, 1], strides: [1, 1], groups: 1 };
    // mean 1.00025, var·4 = 7.5e-7 < 1e-4, so scale = gain / 0.01
    const w = standardiseConvKernel(Float32Array.from([1, 1, 1, 1.001]), Float32Array.of(3), conv);
    const v = [1, 1, 1, Math.fround(1.001)];
    const mean = (3 + v[3]!) / 4;
    v.forEach((x, i) => expect(w[i]).toBeCloseTo((x - mean) * 300, 6));
  });

  it('agrees with numpy applied to the Keras HWIO kernel over axes (0, 1, 2), grouped', (ctx) => {
    if (!lookup.python) {
      console.warn(`skipped: no python3 with numpy (${describePythonLookup(lookup)})`);
      return ctx.skip();
    }
    const conv: ConvSpec = { inChannels: 6, outChannels: 4, kernel: [3, 2], strides: [1, 1], groups: 2 };
    const perGroup = conv.inChannels / conv.groups;
    const count = 4 * perGroup * 3 * 2;
    // OIHW values from a fixed formula; numpy receives the same numbers and transposes to HWIO itself.
    const v = Float32Array.from({ length: count }, (_, i) => Math.sin(i * 0.731) * (1 + (i % 5)));
    const gain = Float32Array.from([0.5, 1, 1.5, -2]);
    const ours = standardiseConvKernel(v, gain, conv, 1.25);
    const script = `
import json, sys
import numpy as np
d = json.loads(sys.stdin.read())
v = np.array(d['v'], dtype=np.float32).reshape(4, ${perGroup}, 3, 2).transpose(2, 3, 1, 0).astype(np.float64)  # HWIO
g = np.array(d['gain'], dtype=np.float32).astype(np.float64)
mean = v.mean(axis=(0, 1, 2), keepdims=True)
var = v.var(axis=(0, 1, 2), keepdims=True)
scale = 1.0 / np.sqrt(np.maximum(var * np.prod(v.shape[:-1]), 1e-4)) * g
k = (v * scale - mean * scale) * 1.25
print(json.dumps(k.transpose(3, 2, 0, 1).reshape(-1).astype(np.float32).tolist()))
`;
    const theirs = JSON.parse(runPython(lookup.python, script, [], JSON.stringify({ v: Array.from(v), gain: Array.from(gain) }))) as number[];
    expect(theirs).toHaveLength(count);
    theirs.forEach((t, i) => expect(Math.abs(ours[i]! - t)).toBeLessThanOrEqual(Math.abs(t) * 1.2e-7));
  });
});
