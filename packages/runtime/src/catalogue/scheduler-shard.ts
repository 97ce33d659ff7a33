/**
 * `--shard auto` / `--shard auto/N`: the shard of this process, read from the environment the job
 * scheduler gives each task of an array job, so one job definition serves every task:
 *
 * - AWS Batch array jobs: AWS_BATCH_JOB_ARRAY_INDEX (0-based) and AWS_BATCH_JOB_ARRAY_SIZE;
 * - Google Cloud Run jobs: CLOUD_RUN_TASK_INDEX (0-based) and CLOUD_RUN_TASK_COUNT;
 * - Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX (0-based); the count is the Job's `completions`,
 *   which the pod's environment does not hold, so it must be given: `--shard auto/N`.
 *
 * Refused: no scheduler found, two that disagree, an index or count that is not a whole number in
 * range, a count given with `auto/N` that differs from the scheduler's own.
 */
import { MuleError } from '@mule-ts/core';
import type { Shard } from './shard.js';

export type Environment = Readonly<Record<string, string | undefined>>;

interface SchedulerVariables {
  name: string;
  index: string;
  count: string | null;
}

const SCHEDULERS: readonly SchedulerVariables[] = [
  { name: 'AWS Batch array job', index: 'AWS_BATCH_JOB_ARRAY_INDEX', count: 'AWS_BATCH_JOB_ARRAY_SIZE' },
  { name: 'Cloud Run job', index: 'CLOUD_RUN_TASK_INDEX', count: 'CLOUD_RUN_TASK_COUNT' },
  { name: 'Kubernetes Indexed Job', index: 'JOB_COMPLETION_INDEX', count: null },
];

export interface SchedulerShard {
  shard: Shard;
  /** Where it came from, for the log: e.g. "AWS Batch array job (AWS_BATCH_JOB_ARRAY_INDEX=3, AWS_BATCH_JOB_ARRAY_SIZE=8)". */
  source: string;
}

function wholeNumber(env: Environment, name: string, min: number): number {
  const text = env[name]!;
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new MuleError('INVALID_INPUT', `--shard auto: ${name}=${JSON.stringify(text)} is not a whole number >= ${min}`, { expected: `an integer >= ${min}`, found: text });
  }
  return value;
}

/**
 * The shard for `--shard auto` (count: null) or `--shard auto/N` (count: N) from `env`.
 * Shards are 1-based as in `--shard I/N`: the scheduler's 0-based index i is shard i + 1.
 */
export function shardFromScheduler(env: Environment, givenCount: number | null): SchedulerShard {
  const found = SCHEDULERS.filter((s) => env[s.index] !== undefined && env[s.index] !== '');
  if (found.length === 0) {
    const names = SCHEDULERS.map((s) => s.index).join(', ');
    throw new MuleError('INVALID_INPUT', `--shard auto: no job scheduler found in the environment (none of ${names} is set)`, {
      hint: 'run it as a task of an AWS Batch array job, a Cloud Run job or a Kubernetes Indexed Job (with --shard auto/N), or give --shard I/N',
    });
  }
  const readings = found.map((s) => {
    const index = wholeNumber(env, s.index, 0);
    const count = s.count !== null && env[s.count] !== undefined && env[s.count] !== '' ? wholeNumber(env, s.count, 1) : null;
    const vars = [`${s.index}=${env[s.index]}`, ...(s.count !== null && count !== null ? [`${s.count}=${env[s.count]}`] : [])];
    return { scheduler: s, index, count, text: `${s.name} (${vars.join(', ')})` };
  });
  const first = readings[0]!;
  for (const other of readings.slice(1)) {
    if (other.index !== first.index || (other.count !== null && first.count !== null && other.count !== first.count)) {
      throw new MuleError('INVALID_INPUT', `--shard auto: the environment holds two job schedulers that disagree: ${first.text} and ${other.text}`, {
        hint: 'unset the variables of the scheduler this task does not run under, or give --shard I/N',
      });
    }
  }
  const fromScheduler = readings.map((r) => r.count).find((c) => c !== null) ?? null;
  if (fromScheduler !== null && givenCount !== null && fromScheduler !== givenCount) {
    throw new MuleError('INVALID_INPUT', `--shard auto/${givenCount}: the scheduler says the job has ${fromScheduler} tasks (${first.text})`, {
      hint: `give --shard auto, or auto/${fromScheduler}`,
    });
  }
  const count = fromScheduler ?? givenCount;
  if (count === null) {
    throw new MuleError('INVALID_INPUT', `--shard auto: ${first.text} gives this task's index but not how many tasks there are`, {
      hint: "give the Job's completions: --shard auto/N",
    });
  }
  if (first.index >= count) {
    throw new MuleError('INVALID_INPUT', `--shard auto: task index ${first.index} is outside a job of ${count} tasks (${first.text})`, { expected: `0 <= index < ${count}`, found: first.index });
  }
  return { shard: { index: first.index + 1, count }, source: readings.map((r) => r.text).join(' and ') };
}
