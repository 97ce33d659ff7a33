/** Turns two arrays and a threshold into a stage verdict. */
import { compareArrays, type ArrayMetrics, type ParityStage, type StageThreshold } from '../compare/index.js';
import type { StageResult } from './stage-result.js';

export interface ComparedArray {
  values: ArrayLike<number>;
  shape: number[];
}

/** threshold / measured on both criteria, the smaller one; Infinity when nothing differs. */
export function stageMargin(metrics: ArrayMetrics, threshold: StageThreshold): number {
  const abs = metrics.maxAbs === 0 ? Number.POSITIVE_INFINITY : threshold.maxAbs / metrics.maxAbs;
  const gap = 1 - metrics.minRowCosine;
  const cos = gap <= 0 ? Number.POSITIVE_INFINITY : (1 - threshold.minCosine) / gap;
  const rel = threshold.maxRel === undefined || metrics.maxRel === 0 ? Number.POSITIVE_INFINITY : threshold.maxRel / metrics.maxRel;
  return Math.min(abs, cos, rel);
}

export interface JudgeOptions {
  description: string;
  /** Rows for the per-row cosine (slices, per-slice embeddings). */
  rows?: number;
  /** Extra failed checks found by the caller (e.g. centres differ). */
  problems?: string[];
  seconds?: number;
}

export function judgeArrays(
  stage: ParityStage,
  candidate: ComparedArray,
  reference: ComparedArray,
  threshold: StageThreshold,
  options: JudgeOptions,
): StageResult {
  const problems = [...(options.problems ?? [])];
  const base = {
    stage,
    description: options.description,
    candidateShape: candidate.shape,
    referenceShape: reference.shape,
    threshold,
    seconds: options.seconds ?? 0,
  };
  if (candidate.shape.join(',') !== reference.shape.join(',')) {
    problems.unshift(`shape [${candidate.shape.join(', ')}] differs from the reference's [${reference.shape.join(', ')}]`);
    return { ...base, status: 'fail', metrics: null, margin: null, problems };
  }
  const metrics = compareArrays(candidate.values, reference.values, options.rows ?? 1);
  if (metrics.nonFinite > 0) problems.push(`${metrics.nonFinite} non-finite value(s) in the runtime's output`);
  if (!(metrics.minRowCosine >= threshold.minCosine)) {
    problems.push(`${(options.rows ?? 1) > 1 ? 'min row cosine' : 'cosine'} ${metrics.minRowCosine} < ${threshold.minCosine}`);
  }
  if (!(metrics.maxAbs <= threshold.maxAbs)) problems.push(`max-abs ${metrics.maxAbs.toExponential(3)} > ${threshold.maxAbs}`);
  if (threshold.maxRel !== undefined && !(metrics.maxRel <= threshold.maxRel)) {
    problems.push(`max-rel ${metrics.maxRel.toExponential(3)} > ${threshold.maxRel}`);
  }
  const margin = stageMargin(metrics, threshold);
  return { ...base, status: problems.length === 0 ? 'pass' : 'fail', metrics, margin, problems };
}

/** A stage that did not run (requested) or is outside this verification. */
export function stageNotRun(stage: ParityStage, status: 'not-run' | 'not-requested', description: string, reason: string, threshold: StageThreshold | null = null): StageResult {
  return { stage, status, description, candidateShape: null, referenceShape: null, metrics: null, threshold, margin: null, problems: [reason], seconds: 0 };
}
