import type { ParityResult } from '../parity/index.js';
import { formatMargin } from './format.js';

/** One paragraph: the verdict, the smallest margin, and what was not verified. */
export function closingSummary(result: ParityResult): string {
  const passed = result.stages.filter((s) => s.status === 'pass');
  const failed = result.stages.filter((s) => s.status === 'fail' || s.status === 'not-run');
  const skipped = result.stages.filter((s) => s.status === 'not-requested');
  const tightest = passed.reduce<(typeof passed)[number] | null>((a, s) => (a === null || (s.margin ?? Infinity) < (a.margin ?? Infinity) ? s : a), null);
  const lines = [
    result.verdict === 'pass'
      ? `PASS: ${passed.length} stage(s) within thresholds (${passed.map((s) => s.stage).join(', ')})` +
        (tightest ? `; smallest margin ${formatMargin(tightest.margin)} at ${tightest.stage}` : '')
      : `FAIL: ${failed.map((s) => `${s.stage} ${s.status === 'fail' ? 'failed' : 'did not run'}`).join(', ') || 'no stage ran'}`,
  ];
  if (skipped.length > 0) lines.push(`not verified: ${skipped.map((s) => s.stage).join(', ')} (${skipped.map((s) => s.problems[0]).filter((v, i, a) => a.indexOf(v) === i).join('; ')})`);
  return lines.join('\n');
}
