import type { ArrayMetrics, ParityStage, StageThreshold } from '../compare/index.js';

/**
 * pass / fail: compared and judged. not-run: requested but could not run (a reason is given; it
 * fails the verification). not-requested: outside this verification (the backbone stages without
 * --onnx).
 */
export type StageStatus = 'pass' | 'fail' | 'not-run' | 'not-requested';

export interface StageResult {
  stage: ParityStage;
  status: StageStatus;
  /** What was compared with what. */
  description: string;
  candidateShape: number[] | null;
  referenceShape: number[] | null;
  metrics: ArrayMetrics | null;
  threshold: StageThreshold | null;
  /**
   * How far inside the thresholds: min(threshold maxAbs / measured maxAbs, (1 - threshold cosine) /
   * (1 - measured min row cosine)). >= 1 passes; Infinity when the arrays are identical.
   */
  margin: number | null;
  /** Checks that failed (shape, centres, non-finite values, cosine, max-abs), or why it did not run. */
  problems: string[];
  seconds: number;
}

export const STAGE_ORDER: readonly ParityStage[] = ['waveform', 'mel', 'slices', 'backbone', 'timeline', 'embedding'];

/** Stages that need the ONNX backbone (selected by --onnx). */
export const ONNX_STAGES: ReadonlySet<ParityStage> = new Set(['backbone', 'timeline', 'embedding']);
export const FRONT_END_STAGES: ReadonlySet<ParityStage> = new Set(['mel', 'slices']);
