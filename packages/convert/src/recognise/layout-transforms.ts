/** Keras conv kernel [kh, kw, in, out] -> OIHW [out, in, kh, kw]. */
export function transposeHwioToOihw(src: Float32Array, [kh, kw, ci, co]: [number, number, number, number]): Float32Array {
  const dst = new Float32Array(src.length);
  const hw = kh * kw;
  for (let h = 0; h < kh; h++) {
    for (let w = 0; w < kw; w++) {
      const spatial = h * kw + w;
      for (let i = 0; i < ci; i++) {
        const srcBase = (spatial * ci + i) * co;
        const dstBase = i * hw + spatial;
        for (let o = 0; o < co; o++) dst[o * ci * hw + dstBase] = src[srcBase + o]!;
      }
    }
  }
  return dst;
}

/** Keras dense kernel [in, out] -> [out, in]. */
export function transposeDenseToOutIn(src: Float32Array, [ni, no]: [number, number]): Float32Array {
  const dst = new Float32Array(src.length);
  for (let i = 0; i < ni; i++) {
    const base = i * no;
    for (let o = 0; o < no; o++) dst[o * ni + i] = src[base + o]!;
  }
  return dst;
}
