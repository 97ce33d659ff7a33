import { MULE_F0_SPEC } from '@mule-ts/core';
import { describe, expect, it } from 'vitest';
import { backboneFlops } from './backbone-flops.js';

describe('backboneFlops on the released SF-NFNet-F0', () => {
  it("counts the issue's 8.55 GFLOP per 96×300 slice", () => {
    expect(Math.round(backboneFlops(MULE_F0_SPEC).flops / 1e7) / 100).toBe(8.55);
  });

  it('leaves out exactly half of each transition 1×1 conv (stride 2) when strides are hoisted', () => {
    // 2·H·W·mid·cin of each stage-1..3 transition conv0 at its input resolution, halved, by hand:
    // slow 24×19 512→256, 12×19 1024→768, 6×19 4608→768; fast 24×75 32→32, 12×75 64→96, 6×75 192→96
    const conv0 = [
      [24, 19, 512, 256],
      [12, 19, 1024, 768],
      [6, 19, 4608, 768],
      [24, 75, 32, 32],
      [12, 75, 64, 96],
      [6, 75, 192, 96],
    ];
    const saved = conv0.reduce((sum, [h, w, cin, mid]) => sum + (2 * h! * w! * cin! * mid!) / 2, 0);
    const count = backboneFlops(MULE_F0_SPEC);
    expect(count.flops - count.executedFlops).toBe(saved);
  });
});
