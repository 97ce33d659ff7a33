/**
 * Where a model's time goes, by operator type, from onnxruntime's own profiler (its Chrome-trace
 * JSON): the kernel time of every node summed per op type over the runs after the first (the warm-up).
 * The int8 row of `pnpm bench runtime` prints it, so what limits the int8 speed-up is measured in the
 * same run, not remembered.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

export interface OperatorTime {
  op: string;
  /** Fraction of all node kernel time. */
  share: number;
  msPerRun: number;
}

interface TraceEvent {
  cat?: string;
  name?: string;
  ts?: number;
  dur?: number;
  args?: { op_name?: string };
}

/** Kernel time per op type (largest first) from a profile trace, skipping the first `model_run` (warm-up). */
export function operatorTimes(trace: unknown): OperatorTime[] {
  if (!Array.isArray(trace)) throw new Error('an onnxruntime profile is a JSON array of trace events');
  const events = trace as TraceEvent[];
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts! - b.ts!);
  if (runs.length < 2) throw new Error(`the profile holds ${runs.length} run(s); at least 2 are needed (the first is the warm-up)`);
  const warmUpEnd = runs[0]!.ts! + runs[0]!.dur!;
  const byOp = new Map<string, number>();
  let total = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || !e.args?.op_name || e.ts! < warmUpEnd) continue;
    byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + e.dur!);
    total += e.dur!;
  }
  const timedRuns = runs.length - 1;
  return [...byOp]
    .map(([op, us]) => ({ op, share: us / total, msPerRun: us / 1000 / timedRuns }))
    .sort((a, b) => b.share - a.share);
}

/** Runs `file` `runs + 1` times on `feeds` with onnxruntime's profiler on (in `dir`) and returns its operator times. */
export async function profileOperators(
  file: string,
  options: ort.InferenceSession.SessionOptions,
  feeds: Record<string, ort.Tensor>,
  runs: number,
  dir: string,
): Promise<OperatorTime[]> {
  const prefix = 'operator-profile';
  const session = await ort.InferenceSession.create(file, { ...options, enableProfiling: true, profileFilePrefix: join(dir, prefix) });
  try {
    for (let k = 0; k <= runs; k++) await session.run(feeds);
    session.endProfiling();
  } finally {
    await session.release();
  }
  const written = (await readdir(dir)).filter((n) => n.startsWith(prefix) && n.endsWith('.json')).sort();
  if (written.length === 0) throw new Error(`onnxruntime wrote no profile into ${dir}`);
  return operatorTimes(JSON.parse(await readFile(join(dir, written.at(-1)!), 'utf8')));
}
