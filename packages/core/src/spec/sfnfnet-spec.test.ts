import { describe, expect, it } from 'vitest';
import { canonicalTensors, elementCount } from './canonical-names.js';
import { MULE_F0_PARAMETER_COUNT, MULE_F0_SPEC, specParameterCount } from './sfnfnet-spec.js';

describe('SF-NFNet-F0 spec', () => {
  it('has the published parameter count, by formula and by tensor list', () => {
    expect(specParameterCount(MULE_F0_SPEC)).toBe(MULE_F0_PARAMETER_COUNT);
    const total = canonicalTensors(MULE_F0_SPEC).reduce((n, t) => n + elementCount(t.shape), 0);
    expect(total).toBe(MULE_F0_PARAMETER_COUNT);
  });

  it('follows the upstream channel plan (slow inputs 256, 512, 1024, 4608; embedding 1728)', () => {
    expect(MULE_F0_SPEC.slow.stages.map((s) => s.blocks[0]!.inChannels)).toEqual([256, 512, 1024, 4608]);
    expect(MULE_F0_SPEC.fast.stages.map((s) => s.blocks[0]!.inChannels)).toEqual([16, 32, 64, 192]);
    expect(MULE_F0_SPEC.embeddingDim).toBe(1728);
    expect(MULE_F0_SPEC.slow.stages.map((s) => s.blocks.length)).toEqual([1, 2, 6, 3]);
    // groups: slow mid/128, fast mid/16
    expect(MULE_F0_SPEC.slow.stages[2]!.blocks[0]!.convs[1].groups).toBe(6);
    expect(MULE_F0_SPEC.fast.stages[1]!.blocks[0]!.convs[1].groups).toBe(2);
  });

  it('computes betas as 1/sqrt(v_in^2 + k*alpha^2), written out independently', () => {
    const stage2 = MULE_F0_SPEC.slow.stages[2]!.blocks.map((b) => b.beta);
    expect(stage2[0]).toBeCloseTo(1 / Math.sqrt(1.04), 15);
    for (let k = 1; k < 6; k++) expect(stage2[k]).toBeCloseTo(1 / Math.sqrt(1.04 + k * 0.04), 14);
    expect(MULE_F0_SPEC.slow.stages[0]!.blocks[0]!.beta).toBe(1);
  });

  it('uses unique canonical names', () => {
    const names = canonicalTensors(MULE_F0_SPEC).map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('slow.stages.2.blocks.3.conv1.weight');
  });
});
