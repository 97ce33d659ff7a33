import { describe, expect, it } from 'vitest';
import type { LayerVariable } from './keras-graph.js';
import { generateVariable, mulberry32, normalSampler } from './weights.js';

function stats(a: Float32Array): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  for (const v of a) {
    s += v;
    s2 += v * v;
  }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(s2 / a.length - mean * mean) };
}

describe('weights', () => {
  it('mulberry32 is deterministic, in [0, 1), and seed-dependent', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(mulberry32(43)()).not.toBe(xs[0]);
  });

  it('normalSampler gives mean 0 and std 1', () => {
    const n = normalSampler(mulberry32(7));
    const { mean, std } = stats(Float32Array.from({ length: 200_000 }, () => n()));
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(std - 1)).toBeLessThan(0.01);
  });

  it('gives kernels std 1/sqrt(fan_in), gains near 1, small biases and non-zero skip gains', () => {
    const v = (role: LayerVariable['role'], shape: number[], fanIn = 1): LayerVariable => ({ path: 'vars/0', shape, role, fanIn });
    const kernel = stats(generateVariable(v('conv_kernel', [1, 3, 64, 256], 192), 1, 'k'));
    expect(Math.abs(kernel.std * Math.sqrt(192) - 1)).toBeLessThan(0.02);
    const gain = stats(generateVariable(v('conv_gain', [4096]), 1, 'g'));
    expect(Math.abs(gain.mean - 1)).toBeLessThan(0.01);
    expect(Math.abs(gain.std - 0.1)).toBeLessThan(0.01);
    expect(stats(generateVariable(v('conv_bias', [4096]), 1, 'b')).std).toBeLessThan(0.06);
    const skips = Array.from({ length: 200 }, (_, i) => generateVariable(v('skip_gain', []), 1, `s${i}`));
    for (const s of skips) {
      expect(s.length).toBe(1);
      expect(Math.abs(s[0]!)).toBeGreaterThanOrEqual(0.2);
      expect(Math.abs(s[0]!)).toBeLessThanOrEqual(0.5);
    }
    expect(new Set(skips.map((s) => Math.sign(s[0]!))).size).toBe(2);
  });

  it('derives a separate stream per seed and dataset path', () => {
    const v: LayerVariable = { path: 'vars/0', shape: [64], role: 'conv_bias', fanIn: 1 };
    expect(generateVariable(v, 1, 'a')).toEqual(generateVariable(v, 1, 'a'));
    expect(generateVariable(v, 1, 'a')).not.toEqual(generateVariable(v, 2, 'a'));
    expect(generateVariable(v, 1, 'a')).not.toEqual(generateVariable(v, 1, 'b'));
  });
});
