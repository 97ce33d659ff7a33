/**
 * Keras layouts -> canonical layouts. Values move as their 32-bit patterns (bit-exact, no float
 * conversion), and the `...Into` functions also report whether every value they moved is finite:
 * the exponent test rides along with the copy, so the finite check costs no second pass.
 */

/** Keras conv kernel [kh, kw, in, out] -> OIHW [out, in, kh, kw]. */
export function transposeHwioToOihw(src: Float32Array, shape: [number, number, number, number]): Float32Array {
  const dst = new Float32Array(src.length);
  transposeHwioToOihwInto(src, dst, shape);
  return dst;
}

/** Keras dense kernel [in, out] -> [out, in]. */
export function transposeDenseToOutIn(src: Float32Array, shape: [number, number]): Float32Array {
  const dst = new Float32Array(src.length);
  transposeDenseToOutInInto(src, dst, shape);
  return dst;
}

/** Like `transposeHwioToOihw`, into `dst`; false when some value is NaN or ±Inf. */
export function transposeHwioToOihwInto(src: Float32Array, dst: Float32Array, [kh, kw, ci, co]: [number, number, number, number]): boolean {
  const from = bitsOf(src);
  const to = bitsOf(dst);
  const hw = kh * kw;
  let marks = 0;
  // For each kernel position the [in, out] slice is a 2-D transpose whose output lands every hw-th element.
  for (let spatial = 0; spatial < hw; spatial++) {
    marks |= transposeTiled(from, spatial * ci * co, ci, co, to, spatial, ci * hw, hw);
  }
  return marks >= 0;
}

/** Like `transposeDenseToOutIn`, into `dst`; false when some value is NaN or ±Inf. */
export function transposeDenseToOutInInto(src: Float32Array, dst: Float32Array, [ni, no]: [number, number]): boolean {
  return transposeTiled(bitsOf(src), 0, ni, no, bitsOf(dst), 0, ni, 1) >= 0;
}

/** Copies `src` into `dst` unchanged; false when some value is NaN or ±Inf. */
export function copyInto(src: Float32Array, dst: Float32Array): boolean {
  dst.set(src);
  return allFinite(src);
}

/** True when no value is NaN or ±Inf. */
export function allFinite(values: Float32Array): boolean {
  const bits = bitsOf(values);
  const n = bits.length;
  const quads = n - (n % 4);
  // Four independent accumulators keep the loop from waiting on one dependency chain.
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  for (let i = 0; i < quads; i += 4) {
    a |= nonFiniteMark(bits[i]!);
    b |= nonFiniteMark(bits[i + 1]!);
    c |= nonFiniteMark(bits[i + 2]!);
    d |= nonFiniteMark(bits[i + 3]!);
  }
  for (let i = quads; i < n; i++) a |= nonFiniteMark(bits[i]!);
  return (a | b | c | d) >= 0;
}

/**
 * Negative (bit 31 set, once OR-ed into an int32) exactly when the float32 with these bits has an
 * all-ones exponent, i.e. is NaN or ±Inf; finite values give at most 0x7f800000.
 */
function nonFiniteMark(bits: number): number {
  return (bits & 0x7f800000) + 0x00800000;
}

/** Square tiles of this many rows and columns keep both the strided reads and the writes in cache. */
const TILE = 64;

/**
 * `to[toStart + o * toRowStride + i * toStep] = from[fromStart + i * cols + o]` for a rows x cols
 * matrix, tile by tile. Within a tile, four adjacent source columns are read at once (one short
 * contiguous run per source row) and go to four output rows; a last one to three columns go one
 * by one. Returns the OR of the values' non-finite marks.
 */
function transposeTiled(from: Int32Array, fromStart: number, rows: number, cols: number, to: Int32Array, toStart: number, toRowStride: number, toStep: number): number {
  const r = toRowStride;
  const cols4 = cols - (cols % 4);
  let marks = 0;
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(i0 + TILE, rows);
    for (let o0 = 0; o0 < cols4; o0 += TILE) {
      const o1 = Math.min(o0 + TILE, cols4);
      for (let o = o0; o < o1; o += 4) {
        let s = fromStart + i0 * cols + o;
        let t = toStart + o * r + i0 * toStep;
        for (let i = i0; i < i1; i++, s += cols, t += toStep) {
          const a = from[s]!;
          const b = from[s + 1]!;
          const c = from[s + 2]!;
          const d = from[s + 3]!;
          to[t] = a;
          to[t + r] = b;
          to[t + 2 * r] = c;
          to[t + 3 * r] = d;
          marks |= nonFiniteMark(a) | nonFiniteMark(b) | nonFiniteMark(c) | nonFiniteMark(d);
        }
      }
    }
    for (let o = cols4; o < cols; o++) {
      let s = fromStart + i0 * cols + o;
      let t = toStart + o * r + i0 * toStep;
      for (let i = i0; i < i1; i++, s += cols, t += toStep) {
        const v = from[s]!;
        to[t] = v;
        marks |= nonFiniteMark(v);
      }
    }
  }
  return marks;
}

function bitsOf(values: Float32Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length);
}
