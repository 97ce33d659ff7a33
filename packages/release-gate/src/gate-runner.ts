/**
 * Runs the release gate's steps in order, timing each, and stops at the first failure.
 * The steps themselves (commands) belong to the caller; this module only sequences and reports.
 */

export interface GateStep {
  /** Short name shown in the log and the timing table, e.g. "typecheck" or "pack @mule-ts/runtime". */
  name: string;
  run: () => Promise<unknown>;
}

export type GateStepStatus = 'pass' | 'fail' | 'not-run';

export interface GateStepTiming {
  name: string;
  status: GateStepStatus;
  seconds: number;
}

export interface GateResult {
  passed: boolean;
  steps: GateStepTiming[];
  /** The failed step and why (the first line of its error), when the gate failed. */
  failure?: { step: string; message: string };
  seconds: number;
}

export interface RunGateOptions {
  /** Receives each progress line; default: console.log. */
  log?: (line: string) => void;
  /** Milliseconds clock; default: performance.now. */
  now?: () => number;
}

/** A failed subprocess (zx ProcessOutput, execa, ...) carries its exit code; its output is already in the log. */
function describeFailure(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'exitCode' in error && typeof error.exitCode === 'number') {
    return `command exited with code ${error.exitCode} (its output is above)`;
  }
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').find((line) => line.trim().length > 0)?.trim() ?? 'failed without a message';
}

export async function runGate(steps: readonly GateStep[], options: RunGateOptions = {}): Promise<GateResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const now = options.now ?? (() => performance.now());
  const started = now();
  const timings: GateStepTiming[] = steps.map((step) => ({ name: step.name, status: 'not-run', seconds: 0 }));
  let failure: GateResult['failure'];

  for (const [index, step] of steps.entries()) {
    const timing = timings[index]!;
    log(`\n== gate ${index + 1}/${steps.length}: ${step.name}`);
    const stepStarted = now();
    try {
      await step.run();
      timing.status = 'pass';
    } catch (error) {
      timing.status = 'fail';
      failure = { step: step.name, message: describeFailure(error) };
    }
    timing.seconds = (now() - stepStarted) / 1000;
    log(`== ${step.name}: ${timing.status === 'pass' ? 'ok' : 'FAILED'} in ${timing.seconds.toFixed(1)} s`);
    if (failure) break;
  }
  return { passed: failure === undefined, steps: timings, ...(failure ? { failure } : {}), seconds: (now() - started) / 1000 };
}

/** The closing report: one row per step with its time, then the verdict. */
export function renderGateSummary(result: GateResult): string {
  const width = Math.max(...result.steps.map((s) => s.name.length), 'total'.length);
  const rows = result.steps.map((s) => {
    const time = s.status === 'not-run' ? '-' : `${s.seconds.toFixed(1)} s`;
    return `  ${s.name.padEnd(width)}  ${time.padStart(8)}  ${s.status}`;
  });
  rows.push(`  ${'total'.padEnd(width)}  ${`${result.seconds.toFixed(1)} s`.padStart(8)}`);
  const verdict = result.failure
    ? `gate FAILED at '${result.failure.step}': ${result.failure.message}`
    : `gate passed: all ${result.steps.length} step(s)`;
  return ['gate steps:', ...rows, verdict].join('\n');
}
