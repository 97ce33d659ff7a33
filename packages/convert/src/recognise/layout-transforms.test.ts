import { describe, expect, it } from 'vitest';
import { transposeDenseToOutIn, transposeHwioToOihw } from './layout-transforms.js';

describe('layout transforms', () => {
  it('moves every HWIO element to its OIHW place (index formula written out)', () => {
    const [kh, kw, ci, co] = [3, 2, 4, 5];
    const src = Float32Array.from({ length: kh * kw * ci * co }, (_, i) => i);
    const dst = transposeHwioToOihw(src, [kh, kw, ci, co]);
    for (let h = 0; h < kh; h++)
      for (let w = 0; w < kw; w++)
        for (let i = 0; i < ci; i++)
          for (let o = 0; o < co; o++) {
            expect(dst[((o * ci + i) * kh + h) * kw + w]).toBe(src[((h * kw + w) * ci + i) * co + o]);
          }
  });

  it('transposes a dense kernel', () => {
    const src = Float32Array.from([1, 2, 3, 4, 5, 6]); // [[1,2,3],[4,5,6]] as [in=2, out=3]
    expect(Array.from(transposeDenseToOutIn(src, [2, 3]))).toEqual([1, 4, 2, 5, 3, 6]);
  });
});
