import { describe, expect, it } from 'vitest';
import { allFinite, copyInto, transposeDenseToOutIn, transposeDenseToOutInInto, transposeHwioToOihw, transposeHwioToOihwInto } from './layout-transforms.js';

const iota = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i);

describe('layout transforms', () => {
  it('moves every HWIO element to its OIHW place (index formula written out)', () => {
    // 70 x 131 spans more than one 64 x 64 tile with ragged edges; 3 x 2 x 4 x 5 is the small case.
    for (const [kh, kw, ci, co] of [
      [3, 2, 4, 5],
      [1, 1, 70, 131],
      [3, 1, 65, 67],
    ] as Array<[number, number, number, number]>) {
      const src = iota(kh * kw * ci * co);
      const dst = transposeHwioToOihw(src, [kh, kw, ci, co]);
      let mismatches = 0;
      for (let h = 0; h < kh; h++)
        for (let w = 0; w < kw; w++)
          for (let i = 0; i < ci; i++)
            for (let o = 0; o < co; o++) {
              if (dst[((o * ci + i) * kh + h) * kw + w] !== src[((h * kw + w) * ci + i) * co + o]) mismatches++;
            }
      expect(mismatches, `[${kh}, ${kw}, ${ci}, ${co}]`).toBe(0);
    }
  });

  it('transposes a dense kernel', () => {
    const src = Float32Array.from([1, 2, 3, 4, 5, 6]); // [[1,2,3],[4,5,6]] as [in=2, out=3]
    expect(Array.from(transposeDenseToOutIn(src, [2, 3]))).toEqual([1, 4, 2, 5, 3, 6]);
    const [ni, no] = [130, 67];
    const big = transposeDenseToOutIn(iota(ni * no), [ni, no]);
    let mismatches = 0;
    for (let i = 0; i < ni; i++) for (let o = 0; o < no; o++) if (big[o * ni + i] !== i * no + o) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('moves the bits unchanged (-0, subnormals, the largest float)', () => {
    const src = Float32Array.from([-0, 1.4e-45, -3.4028234663852886e38, 1e-40, 0.1, -2]);
    const dst = new Float32Array(6);
    expect(transposeDenseToOutInInto(src, dst, [2, 3])).toBe(true);
    const bits = (a: Float32Array, i: number) => new Uint32Array(a.buffer)[i];
    [
      [0, 0],
      [1, 3],
      [2, 1],
      [3, 4],
      [4, 2],
      [5, 5],
    ].forEach(([to, from]) => expect(bits(dst, to!)).toBe(bits(src, from!)));
  });

  it('reports a NaN or an infinity anywhere, and only then', () => {
    const n = 3 * 1 * 65 * 67;
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      for (const at of [0, 1, 2, 3, 4, 4097, n - 1]) {
        const src = iota(n);
        src[at] = bad;
        expect(transposeHwioToOihwInto(src, new Float32Array(n), [3, 1, 65, 67]), `${bad} at ${at}`).toBe(false);
        expect(transposeDenseToOutInInto(src, new Float32Array(n), [195, 67]), `${bad} at ${at}`).toBe(false);
        expect(copyInto(src, new Float32Array(n)), `${bad} at ${at}`).toBe(false);
        expect(allFinite(src.subarray(at)), `${bad} at ${at}`).toBe(false);
      }
    }
    const finite = Float32Array.from([3.4028234663852886e38, -3.4028234663852886e38, 1.4e-45, -0, 0, 1]);
    expect(allFinite(finite)).toBe(true);
    expect(copyInto(finite, new Float32Array(6))).toBe(true);
    expect(transposeHwioToOihwInto(finite, new Float32Array(6), [1, 1, 2, 3])).toBe(true);
  });
});
