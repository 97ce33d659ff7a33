/** Agreement between a candidate array and a reference, accumulated in float64. */
export interface ArrayMetrics {
  /** Cosine similarity of the flattened arrays (1 when both are all zero). */
  cosine: number;
  /** Smallest cosine over rows (per slice / per clip) when `rows` > 1, else `cosine`. */
  minRowCosine: number;
  maxAbs: number;
  /** maxAbs divided by the reference's largest magnitude: error relative to the output scale. */
  maxRel: number;
  /** Largest magnitude of the reference. */
  referenceScale: number;
  /** Number of non-finite values in the candidate. */
  nonFinite: number;
  count: number;
}

export type NumericArray = ArrayLike<number>;

function cosineOf(a: NumericArray, b: NumericArray, start: number, end: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = start; i < end; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 && nb === 0) return 1;
  if (na === 0 || nb === 0) return 0;
  return dot / Math.sqrt(na * nb);
}

/**
 * Compares `candidate` to `reference` (same length). `rows` splits both into equal rows for the
 * per-row cosine (e.g. one row per slice embedding).
 */
export function compareArrays(candidate: NumericArray, reference: NumericArray, rows = 1): ArrayMetrics {
  if (candidate.length !== reference.length) {
    throw new Error(`cannot compare arrays of ${candidate.length} and ${reference.length} values`);
  }
  const n = candidate.length;
  let maxAbs = 0;
  let scale = 0;
  let nonFinite = 0;
  for (let i = 0; i < n; i++) {
    const x = candidate[i]!;
    const y = reference[i]!;
    if (!Number.isFinite(x)) {
      nonFinite++;
      continue;
    }
    const d = Math.abs(x - y);
    if (d > maxAbs) maxAbs = d;
    const m = Math.abs(y);
    if (m > scale) scale = m;
  }
  const cosine = nonFinite > 0 ? Number.NaN : cosineOf(candidate, reference, 0, n);
  let minRowCosine = cosine;
  if (rows > 1 && n % rows === 0 && nonFinite === 0) {
    const width = n / rows;
    for (let r = 0; r < rows; r++) minRowCosine = Math.min(minRowCosine, cosineOf(candidate, reference, r * width, (r + 1) * width));
  }
  return {
    cosine,
    minRowCosine,
    maxAbs: nonFinite > 0 ? Number.POSITIVE_INFINITY : maxAbs,
    maxRel: nonFinite > 0 ? Number.POSITIVE_INFINITY : scale > 0 ? maxAbs / scale : maxAbs,
    referenceScale: scale,
    nonFinite,
    count: n,
  };
}
