import { describe, expect, it } from 'vitest';
import { compareArrays } from './array-metrics.js';

describe('compareArrays', () => {
  it('computes cosine, max-abs and max-rel by hand-checked values', () => {
    // a = (1, 2, 2), b = (1, 2, 3): dot 11, |a| 3, |b| sqrt(14)
    const m = compareArrays([1, 2, 2], [1, 2, 3]);
    expect(m.cosine).toBeCloseTo(11 / (3 * Math.sqrt(14)), 15);
    expect(m.maxAbs).toBe(1);
    expect(m.maxRel).toBeCloseTo(1 / 3, 15);
    expect(m.referenceScale).toBe(3);
  });

  it('reports the worst row cosine', () => {
    const m = compareArrays([1, 0, 0, 1], [1, 0, 1, 0], 2);
    expect(m.minRowCosine).toBe(0);
    expect(m.cosine).toBeCloseTo(0.5, 15);
  });

  it('fails loudly on non-finite candidates and length mismatches', () => {
    const m = compareArrays([1, Number.NaN], [1, 2]);
    expect(m.nonFinite).toBe(1);
    expect(m.maxAbs).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(m.cosine)).toBe(true);
    expect(() => compareArrays([1], [1, 2])).toThrow(/1 and 2/);
  });
});
