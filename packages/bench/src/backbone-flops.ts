/**
 * Floating-point work of one backbone slice, counted from the spec: 2·MACs of every convolution
 * (grouped convs count their per-group fan-in) and of the squeeze-excite dense layers. Pointwise
 * work (GELU, pooling, adds) is left out, as is usual for GFLOP/s figures.
 */
import type { ConvSpec, SfNfNetSpec } from '@mule-ts/core';
import { hoistFrequencyStride, tfSamePadding } from '@mule-ts/convert/internal';

export interface FlopCount {
  /** Total FLOPs (2·MACs) for one slice: the model's work, the figure GFLOP/s rates are based on. */
  flops: number;
  /** The share of `flops` in grouped convs (the (1,3)/(3,1) convs of the NF blocks). */
  groupedFlops: number;
  /**
   * What the exported graph executes: `flops` less the rows the exporter's stride hoisting never
   * computes (see `hoistFrequencyStride` in @mule-ts/convert).
   */
  executedFlops: number;
}

interface Spatial {
  h: number;
  w: number;
}

function convOut(x: Spatial, c: ConvSpec): Spatial {
  return { h: tfSamePadding(x.h, c.kernel[0], c.strides[0]).out, w: tfSamePadding(x.w, c.kernel[1], c.strides[1]).out };
}

function convFlops(out: Spatial, c: ConvSpec): number {
  return 2 * out.h * out.w * c.outChannels * (c.inChannels / c.groups) * c.kernel[0] * c.kernel[1];
}

/** FLOPs of one slice of `frames` frames (default: the spec's input width, 300). */
export function backboneFlops(spec: SfNfNetSpec, frames = spec.inputShape[1]): FlopCount {
  const model = countFlops(spec, frames, false);
  return { ...model, executedFlops: countFlops(spec, frames, true).flops };
}

function countFlops(spec: SfNfNetSpec, frames: number, hoistStrides: boolean): Omit<FlopCount, 'executedFlops'> {
  let flops = 0;
  let groupedFlops = 0;
  const run = (x: Spatial, c: ConvSpec): Spatial => {
    const out = convOut(x, c);
    const f = convFlops(out, c);
    flops += f;
    if (c.groups > 1) groupedFlops += f;
    return out;
  };
  const input: Spatial = { h: spec.inputShape[0], w: frames };
  let slow = spec.slow.stem.reduce(run, input);
  let fast = spec.fast.stem.reduce(run, input);
  spec.fusions.forEach((fusion, s) => {
    run(run(fast, fusion.temporal), fusion.pointwise);
    for (const [path, x] of [
      ['slow', slow],
      ['fast', fast],
    ] as const) {
      let y = x;
      for (const block of spec[path].stages[s]!.blocks) {
        if (block.shortcut) {
          // The shortcut runs after an average pool of the block's frequency stride.
          const pooled = { h: tfSamePadding(y.h, block.freqStride, block.freqStride).out, w: y.w };
          run(pooled, block.shortcut);
        }
        y = (hoistStrides ? hoistFrequencyStride(block.convs) : block.convs).reduce(run, y);
        flops += 2 * 2 * block.outChannels * block.seHidden;
      }
      if (path === 'slow') slow = y;
      else fast = y;
    }
  });
  return { flops, groupedFlops };
}
