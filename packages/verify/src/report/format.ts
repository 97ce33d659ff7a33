/** Number formatting shared by the table and the markdown report. */

export function formatCosine(value: number | undefined | null): string {
  if (value === undefined || value === null) return '-';
  if (Number.isNaN(value)) return 'NaN';
  const gap = 1 - value;
  // Near 1, the distance from 1 says more than a row of nines.
  return gap > 0 && gap < 1e-4 ? `1-${gap.toExponential(1)}` : value.toFixed(6);
}

export function formatSmall(value: number | undefined | null): string {
  if (value === undefined || value === null) return '-';
  if (!Number.isFinite(value)) return String(value);
  return value === 0 ? '0' : value.toExponential(2);
}

export function formatMargin(value: number | null): string {
  if (value === null) return '-';
  if (value === Number.POSITIVE_INFINITY) return 'exact';
  if (Number.isNaN(value)) return 'NaN';
  if (value < 0.01) return `${value.toExponential(1)}x`;
  return value >= 100 ? `${Math.round(value)}x` : `${value.toFixed(value >= 10 ? 1 : 2)}x`;
}

export function formatShape(shape: readonly number[] | null): string {
  return shape ? `(${shape.join(', ')})` : '-';
}

export function formatShapes(candidate: readonly number[] | null, reference: readonly number[] | null): string {
  if (!candidate && !reference) return '-';
  const a = formatShape(candidate);
  const b = formatShape(reference);
  return a === b ? a : `${a} vs ${b}`;
}

export function formatThreshold(threshold: { minCosine: number; maxAbs: number; maxRel?: number } | null): string {
  if (!threshold) return '-';
  const rel = threshold.maxRel === undefined ? '' : ` rel<=${threshold.maxRel}`;
  return `cos>=${threshold.minCosine} abs<=${threshold.maxAbs}${rel}`;
}

export const STATUS_LABEL = { pass: 'PASS', fail: 'FAIL', 'not-run': 'NOT RUN', 'not-requested': 'not requested' } as const;
