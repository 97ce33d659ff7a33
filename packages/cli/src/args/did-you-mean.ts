/** The closest known name to a mistyped one, when it is close enough to be the likely intent. */
export function closestName(wanted: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const name of known) {
    const d = editDistance(wanted, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  // A third of the length (at least 1, at most 3 edits), or the wanted name is a prefix of it.
  const limit = Math.min(3, Math.max(1, Math.floor(wanted.length / 3)));
  if (best !== null && (bestDistance <= limit || (wanted.length >= 3 && best.startsWith(wanted)))) return best;
  return null;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
