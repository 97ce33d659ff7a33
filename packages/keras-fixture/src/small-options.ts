import { buildSfNfNetSpec, type SfNfNetOptions, type SfNfNetSpec } from '@mule-ts/core';

/**
 * A small SF-NFNet-F0 that keeps every structural feature of the released model (both stems, four
 * fusions, transition and plain blocks, grouped convs, frequency downsampling) with few channels.
 */
export const SMALL_TEST_OPTIONS: Readonly<SfNfNetOptions> = {
  inputShape: [96, 300, 1],
  slowStemChannels: [4, 8, 8, 16],
  fastStemChannels: [2, 2, 4, 4],
  slowStageOutputs: [16, 16, 24, 24],
  slowGroupSize: 4,
  fastStageOutputs: [8, 8, 12, 12],
  fastGroupSize: 2,
  fusionChannels: [
    [4, 8],
    [4, 8],
    [4, 8],
    [8, 16],
  ],
  stageDepths: [1, 2, 2, 2],
  alpha: 0.2,
  activation: 'gelu',
};

export const SMALL_TEST_SPEC: Readonly<SfNfNetSpec> = buildSfNfNetSpec(SMALL_TEST_OPTIONS);
