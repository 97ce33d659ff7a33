/**
 * Seeded random weights of realistic scale. Each tensor has its own stream derived from the seed
 * and its dataset path, so tensors can be generated lazily, one at a time, in any order.
 */
import { mulberry32 } from '@mule-ts/test-utils';
import type { LayerVariable } from './keras-graph.js';

export { mulberry32 };

/** Standard normal samples by Box-Muller over a uniform source. */
export function normalSampler(uniform: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u1 = 1 - uniform(); // (0, 1]: log is finite
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
}

/** FNV-1a of the path mixed with the seed: the per-tensor stream seed. */
export function tensorSeed(seed: number, path: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
  h ^= Math.floor(seed / 4294967296);
  return h >>> 0;
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Generates the values of one variable: its role decides the distribution. */
export function generateVariable(variable: LayerVariable, seed: number, datasetPath: string): Float32Array {
  const uniform = mulberry32(tensorSeed(seed, datasetPath));
  const normal = normalSampler(uniform);
  const out = new Float32Array(elementCount(variable.shape));
  switch (variable.role) {
    case 'conv_kernel':
    case 'dense_kernel': {
      const std = 1 / Math.sqrt(variable.fanIn);
      for (let i = 0; i < out.length; i++) out[i] = normal() * std;
      break;
    }
    case 'conv_gain':
      for (let i = 0; i < out.length; i++) out[i] = 1 + 0.1 * normal();
      break;
    case 'conv_bias':
    case 'dense_bias':
      for (let i = 0; i < out.length; i++) out[i] = 0.05 * normal();
      break;
    case 'skip_gain':
      // Non-zero on purpose: a zero skip gain (the training init) would silence the residual branch.
      for (let i = 0; i < out.length; i++) out[i] = (uniform() < 0.5 ? -1 : 1) * (0.2 + 0.3 * uniform());
      break;
  }
  return out;
}
