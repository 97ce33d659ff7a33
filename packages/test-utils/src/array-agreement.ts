/** Cosine and largest absolute difference of two equal-length arrays (float64 sums): how tests compare two runs' embeddings. */
export function cosineAndMaxAbs(a: ArrayLike<number>, b: ArrayLike<number>): { cosine: number; maxAbs: number } {
  if (a.length !== b.length) throw new Error(`cannot compare arrays of ${a.length} and ${b.length} values`);
  let dot = 0;
  let aa = 0;
  let bb = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
    maxAbs = Math.max(maxAbs, Math.abs(a[i]! - b[i]!));
  }
  return { cosine: dot / Math.sqrt(aa * bb), maxAbs };
}
