/**
 * The typed SF-NFNet-F0 architecture: one source of truth for the recogniser, the ONNX builder
 * and the test fixture writer. Shapes follow Keras (NHWC, H = mel bins, W = frames).
 */

export type Path = 'slow' | 'fast';
export type ScaledActivation = 'gelu' | 'relu';

/** Gains of the scaled activations, as in upstream `mule/models/layers/activations.py`. */
export const SCALED_ACTIVATION_GAIN: Readonly<Record<ScaledActivation, number>> = {
  gelu: 1.7015043497085571,
  relu: 1.7139588594436646,
};

export interface ConvSpec {
  inChannels: number;
  outChannels: number;
  /** [kh, kw]: kh over mel bins, kw over frames. */
  kernel: [number, number];
  strides: [number, number];
  groups: number;
}

export interface BlockSpec {
  /** A transition block applies the input activation before the split and has a shortcut conv. */
  transition: boolean;
  inChannels: number;
  outChannels: number;
  midChannels: number;
  /** Stride of the second (1x3) conv and the shortcut pool on the frequency axis. */
  freqStride: number;
  /** beta: the non-learnable ScalarMultiply gain applied after the input activation. */
  beta: number;
  /** StochDepth survival probability (identity at inference; kept for faithful fixtures). */
  survivalProbability: number;
  /** The four residual convs: 1x1 -> mid, 1x3 (grouped, freq stride) -> mid, 3x1 (grouped) -> mid, 1x1 -> out. */
  convs: [ConvSpec, ConvSpec, ConvSpec, ConvSpec];
  /** Shortcut 1x1 conv (transition blocks only). */
  shortcut: ConvSpec | null;
  /** Squeeze-excite hidden width (out / 2). */
  seHidden: number;
}

export interface StageSpec {
  blocks: BlockSpec[];
}

export interface PathSpec {
  stem: ConvSpec[];
  stages: StageSpec[];
}

export interface FusionSpec {
  /** (1,7) stride (1,4) conv on the fast path. */
  temporal: ConvSpec;
  /** 1x1 conv expanding the fast features before concatenation after the slow channels. */
  pointwise: ConvSpec;
}

export interface SfNfNetSpec {
  /** [mel bins, frames, channels] of one input slice. */
  inputShape: [number, number, number];
  slow: PathSpec;
  fast: PathSpec;
  /** fusions[i] runs before stage i. */
  fusions: FusionSpec[];
  alpha: number;
  activation: ScaledActivation;
  activationGain: number;
  /** Output width: slow features ++ fast features. */
  embeddingDim: number;
}

/** The free parameters of the architecture; everything else follows the upstream rules. */
export interface SfNfNetOptions {
  inputShape: [number, number, number];
  slowStemChannels: [number, number, number, number];
  fastStemChannels: [number, number, number, number];
  slowStageOutputs: number[];
  fastStageOutputs: number[];
  /** [temporal conv channels, pointwise conv channels] per fusion. */
  fusionChannels: Array<[number, number]>;
  stageDepths: number[];
  slowGroupSize: number;
  fastGroupSize: number;
  alpha: number;
  activation: ScaledActivation;
}

/** The released MULE model (SF-NFNet-F0, f_value 0, alpha 0.2, scaled GELU). */
export const MULE_F0_OPTIONS: Readonly<SfNfNetOptions> = {
  inputShape: [96, 300, 1],
  slowStemChannels: [16, 32, 64, 128],
  fastStemChannels: [2, 4, 8, 16],
  slowStageOutputs: [256, 512, 1536, 1536],
  fastStageOutputs: [32, 64, 192, 192],
  fusionChannels: [
    [32, 128],
    [32, 256],
    [64, 512],
    [192, 3072],
  ],
  stageDepths: [1, 2, 6, 3],
  slowGroupSize: 128,
  fastGroupSize: 16,
  alpha: 0.2,
  activation: 'gelu',
};

/** Parameters of the released model: v + gain + bias per conv, SE dense kernels and biases, skip gains. */
export const MULE_F0_PARAMETER_COUNT = 62_345_742;

const STEM_KERNELS: Record<Path, Array<[number, number]>> = {
  slow: [
    [3, 1],
    [3, 1],
    [3, 1],
    [3, 3],
  ],
  fast: [
    [3, 3],
    [3, 3],
    [3, 3],
    [3, 3],
  ],
};
const STEM_STRIDES: Record<Path, Array<[number, number]>> = {
  slow: [
    [2, 8],
    [1, 1],
    [1, 1],
    [2, 2],
  ],
  fast: [
    [2, 2],
    [1, 1],
    [1, 1],
    [2, 2],
  ],
};

function conv(
  inChannels: number,
  outChannels: number,
  kernel: [number, number],
  strides: [number, number] = [1, 1],
  groups = 1,
): ConvSpec {
  return { inChannels, outChannels, kernel, strides, groups };
}

function buildStem(path: Path, inChannels: number, channels: number[]): ConvSpec[] {
  let cin = inChannels;
  return channels.map((c, i) => {
    const spec = conv(cin, c, STEM_KERNELS[path][i]!, STEM_STRIDES[path][i]!);
    cin = c;
    return spec;
  });
}

/** Betas and survival probabilities exactly as upstream computes them (float64). */
function buildStages(
  options: SfNfNetOptions,
  stageInputs: number[],
  stageOutputs: number[],
  groupSize: number,
): StageSpec[] {
  const totalBlocks = options.stageDepths.reduce((a, b) => a + b, 0);
  const alpha = options.alpha;
  let blockIndex = 0;
  return options.stageDepths.map((depth, s) => {
    const inputExpectedVar = s === 0 ? 1.0 : Math.sqrt(1.0 + alpha ** 2);
    const freqStride = s === 0 ? 1 : 2;
    const out = stageOutputs[s]!;
    const mid = Math.floor(out / 2);
    const groups = Math.floor(mid / groupSize);
    const blocks: BlockSpec[] = [];
    let expectedStd = Math.sqrt(inputExpectedVar ** 2 + alpha ** 2);
    for (let b = 0; b < depth; b++) {
      const transition = b === 0;
      const cin = transition ? stageInputs[s]! : out;
      const stride = transition ? freqStride : 1;
      const beta = transition ? 1.0 / inputExpectedVar : 1.0 / expectedStd;
      if (!transition) expectedStd = Math.sqrt(expectedStd ** 2 + alpha ** 2);
      blocks.push({
        transition,
        inChannels: cin,
        outChannels: out,
        midChannels: mid,
        freqStride: stride,
        beta,
        survivalProbability: 1 - (0.1 * blockIndex) / totalBlocks,
        convs: [
          conv(cin, mid, [1, 1]),
          conv(mid, mid, [1, 3], [stride, 1], groups),
          conv(mid, mid, [3, 1], [1, 1], groups),
          conv(mid, out, [1, 1]),
        ],
        shortcut: transition ? conv(cin, out, [1, 1]) : null,
        seHidden: Math.floor(out / 2),
      });
      blockIndex++;
    }
    return { blocks };
  });
}

export function buildSfNfNetSpec(options: SfNfNetOptions): SfNfNetSpec {
  const nStages = options.stageDepths.length;
  const slowStem = buildStem('slow', options.inputShape[2], options.slowStemChannels);
  const fastStem = buildStem('fast', options.inputShape[2], options.fastStemChannels);
  const fusions: FusionSpec[] = [];
  const slowInputs: number[] = [];
  const fastInputs: number[] = [];
  let slowChannels = options.slowStemChannels[3];
  let fastChannels = options.fastStemChannels[3];
  for (let s = 0; s < nStages; s++) {
    const [c, d] = options.fusionChannels[s]!;
    fusions.push({
      temporal: conv(fastChannels, c, [1, 7], [1, 4]),
      pointwise: conv(c, d, [1, 1]),
    });
    slowInputs.push(slowChannels + d);
    fastInputs.push(fastChannels);
    slowChannels = options.slowStageOutputs[s]!;
    fastChannels = options.fastStageOutputs[s]!;
  }
  return {
    inputShape: [...options.inputShape],
    slow: {
      stem: slowStem,
      stages: buildStages(options, slowInputs, options.slowStageOutputs, options.slowGroupSize),
    },
    fast: {
      stem: fastStem,
      stages: buildStages(options, fastInputs, options.fastStageOutputs, options.fastGroupSize),
    },
    fusions,
    alpha: options.alpha,
    activation: options.activation,
    activationGain: SCALED_ACTIVATION_GAIN[options.activation],
    embeddingDim: slowChannels + fastChannels,
  };
}

export function convParameterCount(c: ConvSpec): number {
  const [kh, kw] = c.kernel;
  return kh * kw * (c.inChannels / c.groups) * c.outChannels + 2 * c.outChannels;
}

export function blockParameterCount(b: BlockSpec): number {
  let n = b.convs.reduce((acc, c) => acc + convParameterCount(c), 0);
  if (b.shortcut) n += convParameterCount(b.shortcut);
  n += b.outChannels * b.seHidden + b.seHidden + b.seHidden * b.outChannels + b.outChannels;
  return n + 1; // skip gain
}

export function specParameterCount(spec: SfNfNetSpec): number {
  let n = 0;
  for (const path of [spec.slow, spec.fast]) {
    n += path.stem.reduce((acc, c) => acc + convParameterCount(c), 0);
    for (const stage of path.stages) n += stage.blocks.reduce((acc, b) => acc + blockParameterCount(b), 0);
  }
  for (const f of spec.fusions) n += convParameterCount(f.temporal) + convParameterCount(f.pointwise);
  return n;
}

export const MULE_F0_SPEC: Readonly<SfNfNetSpec> = buildSfNfNetSpec(MULE_F0_OPTIONS);
