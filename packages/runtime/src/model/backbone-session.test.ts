import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ortSessionOptions, resolveBackboneSessionSettings } from './backbone-session.js';

describe('backbone session options', () => {
  it('defaults: every core intra-op, one inter-op thread, no spinning, all optimisations, sequential', () => {
    expect(resolveBackboneSessionSettings()).toEqual({
      intraOpThreads: availableParallelism(),
      interOpThreads: 1,
      graphOptimizationLevel: 'all',
      allowSpinning: false,
    });
    const o = ortSessionOptions();
    expect(o.executionMode).toBe('sequential');
    expect(o.extra).toEqual({
      session: { intra_op: { allow_spinning: '0' } },
      mlas: { nchwc_pointwise_conv_max_input_channel_batch: '1024' },
    });
  });

  it('passes explicit settings through to ORT', () => {
    const o = ortSessionOptions({ intraOpThreads: 3, interOpThreads: 2, graphOptimizationLevel: 'basic', allowSpinning: true });
    expect(o.intraOpNumThreads).toBe(3);
    expect(o.interOpNumThreads).toBe(2);
    expect(o.graphOptimizationLevel).toBe('basic');
    expect((o.extra as { session: { intra_op: { allow_spinning: string } } }).session.intra_op.allow_spinning).toBe('1');
  });
});
