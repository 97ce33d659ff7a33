/**
 * numpy `np.pad(x, pad, mode='reflect')` as an index map: which sample of a signal of length `n`
 * lands at position `i` (which may be negative or >= n) of the padded signal.
 *
 * 'reflect' mirrors about the edge samples without repeating them (x[1], x[0] | x[0], x[1], ...
 * becomes ..., x[2], x[1], x[0], x[1], x[2], ...). When the pad is longer than the signal, numpy
 * reflects again, chunk by chunk, about the edges of what it has padded so far; since each
 * chunk is a whole reflection, the result is the triangle wave of period 2(n - 1) over the
 * indices. A single sample (n = 1) is repeated (numpy's legacy behaviour); an empty signal
 * cannot be reflect-padded (numpy raises), so n must be >= 1.
 */
export function reflectIndex(i: number, n: number): number {
  if (i >= 0 && i < n) return i;
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** The signal with `pad` samples reflected onto each side (numpy 'reflect'), in float64. */
export function reflectPad(signal: ArrayLike<number>, pad: number): Float64Array {
  const n = signal.length;
  if (n === 0) throw new RangeError('cannot reflect-pad an empty signal');
  const out = new Float64Array(n + 2 * pad);
  for (let j = 0; j < out.length; j++) out[j] = signal[reflectIndex(j - pad, n)]!;
  return out;
}
