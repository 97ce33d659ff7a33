import { describe, expect, it } from 'vitest';
import { shardFromScheduler } from './scheduler-shard.js';

describe('shardFromScheduler', () => {
  it('reads AWS Batch and Cloud Run array tasks (0-based index -> 1-based shard)', () => {
    expect(shardFromScheduler({ AWS_BATCH_JOB_ARRAY_INDEX: '0', AWS_BATCH_JOB_ARRAY_SIZE: '8' }, null)).toEqual({
      shard: { index: 1, count: 8 },
      source: 'AWS Batch array job (AWS_BATCH_JOB_ARRAY_INDEX=0, AWS_BATCH_JOB_ARRAY_SIZE=8)',
    });
    expect(shardFromScheduler({ CLOUD_RUN_TASK_INDEX: '4', CLOUD_RUN_TASK_COUNT: '5' }, null).shard).toEqual({ index: 5, count: 5 });
    // auto/N agrees with the scheduler's own count
    expect(shardFromScheduler({ CLOUD_RUN_TASK_INDEX: '2', CLOUD_RUN_TASK_COUNT: '5' }, 5).shard).toEqual({ index: 3, count: 5 });
  });

  it("reads a Kubernetes Indexed Job's index, with the count given as auto/N", () => {
    expect(shardFromScheduler({ JOB_COMPLETION_INDEX: '3' }, 4)).toEqual({ shard: { index: 4, count: 4 }, source: 'Kubernetes Indexed Job (JOB_COMPLETION_INDEX=3)' });
    expect(() => shardFromScheduler({ JOB_COMPLETION_INDEX: '3' }, null)).toThrow(/gives this task's index but not how many tasks there are/);
    expect(() => shardFromScheduler({ JOB_COMPLETION_INDEX: '4' }, 4)).toThrow(/task index 4 is outside a job of 4 tasks/);
  });

  it('refuses no scheduler, two that disagree, a count that contradicts the scheduler, values that are not whole numbers', () => {
    expect(() => shardFromScheduler({ HOME: '/root' }, null)).toThrow(/no job scheduler found in the environment \(none of AWS_BATCH_JOB_ARRAY_INDEX, CLOUD_RUN_TASK_INDEX, JOB_COMPLETION_INDEX is set\)/);
    expect(() => shardFromScheduler({ AWS_BATCH_JOB_ARRAY_INDEX: '1', AWS_BATCH_JOB_ARRAY_SIZE: '4', JOB_COMPLETION_INDEX: '2' }, 4)).toThrow(/two job schedulers that disagree: AWS Batch array job .* and Kubernetes Indexed Job \(JOB_COMPLETION_INDEX=2\)/);
    expect(() => shardFromScheduler({ AWS_BATCH_JOB_ARRAY_INDEX: '1', AWS_BATCH_JOB_ARRAY_SIZE: '4', CLOUD_RUN_TASK_INDEX: '1', CLOUD_RUN_TASK_COUNT: '5' }, null)).toThrow(/disagree/);
    expect(() => shardFromScheduler({ AWS_BATCH_JOB_ARRAY_INDEX: '1', AWS_BATCH_JOB_ARRAY_SIZE: '4' }, 6)).toThrow(/--shard auto\/6: the scheduler says the job has 4 tasks/);
    expect(() => shardFromScheduler({ AWS_BATCH_JOB_ARRAY_INDEX: 'one', AWS_BATCH_JOB_ARRAY_SIZE: '4' }, null)).toThrow(/AWS_BATCH_JOB_ARRAY_INDEX="one" is not a whole number >= 0/);
    expect(() => shardFromScheduler({ CLOUD_RUN_TASK_INDEX: '0', CLOUD_RUN_TASK_COUNT: '0' }, null)).toThrow(/CLOUD_RUN_TASK_COUNT="0" is not a whole number >= 1/);
    // two that agree are fine (e.g. a wrapper that sets both)
    expect(shardFromScheduler({ AWS_BATCH_JOB_ARRAY_INDEX: '2', AWS_BATCH_JOB_ARRAY_SIZE: '3', JOB_COMPLETION_INDEX: '2' }, null).shard).toEqual({ index: 3, count: 3 });
  });
});
