/** The terminal table of a parity result. */
import type { ParityResult } from '../parity/index.js';
import { formatCosine, formatMargin, formatShapes, formatSmall, formatThreshold, STATUS_LABEL } from './format.js';

export interface TableOptions {
  /** ANSI colours for the verdicts (default false). */
  color?: boolean;
}

const COLOURS = { pass: '\u001b[32m', fail: '\u001b[31m', 'not-run': '\u001b[31m', 'not-requested': '\u001b[2m' } as const;
const RESET = '\u001b[0m';

export const TABLE_HEADER = ['stage', 'verdict', 'cosine (min row)', 'max-abs', 'max-rel', 'shape', 'threshold', 'margin'] as const;

export function renderParityTable(result: ParityResult, options: TableOptions = {}): string {
  const rows = result.stages.map((s) => [
    s.stage,
    STATUS_LABEL[s.status],
    formatCosine(s.metrics?.minRowCosine),
    formatSmall(s.metrics?.maxAbs),
    formatSmall(s.metrics?.maxRel),
    formatShapes(s.candidateShape, s.referenceShape),
    s.status === 'not-requested' ? '-' : formatThreshold(s.threshold),
    formatMargin(s.margin),
  ]);
  const widths = TABLE_HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[], status?: keyof typeof COLOURS): string =>
    cells
      .map((c, i) => {
        const padded = c.padEnd(widths[i]!);
        return i === 1 && status && options.color ? `${COLOURS[status]}${padded}${RESET}` : padded;
      })
      .join('  ')
      .trimEnd();
  const out = [line(TABLE_HEADER), widths.map((w) => '-'.repeat(w)).join('  ')];
  result.stages.forEach((s, i) => out.push(line(rows[i]!, s.status)));
  const details = result.stages.filter((s) => s.problems.length > 0 && s.status !== 'not-requested');
  if (details.length > 0) {
    out.push('');
    for (const s of details) for (const p of s.problems) out.push(`${s.stage}: ${p}`);
  }
  return `${out.join('\n')}\n`;
}
