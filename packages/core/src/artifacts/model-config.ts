/**
 * `config.json` of the converted artifacts: the single source of truth for every stage a consumer
 * runs. Decoding, resampling, mel, slicing, the backbone's input and output, and the architecture
 * as recognised from the Keras file. Read field by field; a value of the wrong type is
 * MALFORMED_CONFIG, a value this consumer cannot honour is UNSUPPORTED, each naming the field.
 */
import { MuleError } from '../errors/mule-error.js';
import {
  MULE_FRONT_END,
  sliceWidth,
  type DecodingParams,
  type FrontEndParams,
  type MelFrontEndParams,
  type ResamplingParams,
  type SlicingParams,
} from '../frontend/frontend-params.js';
import { specParameterCount, type SfNfNetSpec } from '../spec/index.js';
import { JsonFields } from './json-fields.js';

export const MODEL_CONFIG_FORMAT = 'mule-ts-model-config';
export const MODEL_CONFIG_FORMAT_VERSION = 2;

/** The backbone's one input and one output, as the ONNX graph names and shapes them. */
export interface BackboneIo {
  /** NCHW (N, 1, mel bins, frames); Keras takes NHWC (N, mel bins, frames, 1). Frames are 300 for a full slice, fewer for upstream's narrow slice. */
  input: { name: string; layout: 'NCHW'; shape: [null, 1, number, number] };
  /** (N, embedding dim). */
  output: { name: string; shape: [null, number] };
}

export interface ModelConfig extends FrontEndParams {
  format: typeof MODEL_CONFIG_FORMAT;
  formatVersion: typeof MODEL_CONFIG_FORMAT_VERSION;
  architecture: 'SF-NFNet-F0';
  /** True when the spec equals the released MULE model's (62,345,742 parameters). */
  isReleasedMuleArchitecture: boolean;
  parameterCount: number;
  spec: SfNfNetSpec;
  backbone: BackboneIo;
  tensorLayout: {
    convWeight: 'OIHW';
    denseWeight: 'out,in';
    weightStandardization: 'not applied (raw v, gain, bias)';
  };
}

/** The names the converter gives the backbone's ONNX input and output. */
export const BACKBONE_INPUT_NAME = 'mel_slices';
export const BACKBONE_OUTPUT_NAME = 'embedding';

export function makeModelConfig(spec: SfNfNetSpec, parameterCount: number, isReleasedMuleArchitecture: boolean, frontEnd: Readonly<FrontEndParams> = MULE_FRONT_END): ModelConfig {
  const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  return {
    format: MODEL_CONFIG_FORMAT,
    formatVersion: MODEL_CONFIG_FORMAT_VERSION,
    architecture: 'SF-NFNet-F0',
    isReleasedMuleArchitecture,
    parameterCount,
    spec: copy(spec),
    decoding: copy(frontEnd.decoding),
    resampling: copy(frontEnd.resampling),
    melFrontEnd: copy(frontEnd.melFrontEnd),
    slicing: copy(frontEnd.slicing),
    backbone: {
      input: { name: BACKBONE_INPUT_NAME, layout: 'NCHW', shape: [null, 1, spec.inputShape[0], spec.inputShape[1]] },
      output: { name: BACKBONE_OUTPUT_NAME, shape: [null, spec.embeddingDim] },
    },
    tensorLayout: {
      convWeight: 'OIHW',
      denseWeight: 'out,in',
      weightStandardization: 'not applied (raw v, gain, bias)',
    },
  };
}

/** Parses config.json text; errors name `file` and the field. */
export function parseModelConfig(text: string, file: string): ModelConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new MuleError('MALFORMED_JSON', `${file}: cannot read the model config: ${(cause as Error).message}`, { file, cause });
  }
  return validateModelConfig(value, file);
}

/** Checks every field of a model config and that its stages fit together; returns a clean copy. */
export function validateModelConfig(value: unknown, file: string): ModelConfig {
  const f = new JsonFields(file, 'MALFORMED_CONFIG');
  const root = f.object(value, 'the model config');
  if (root.format !== MODEL_CONFIG_FORMAT) f.fail('format', JSON.stringify(MODEL_CONFIG_FORMAT), root.format);
  f.formatVersion(root.formatVersion, MODEL_CONFIG_FORMAT_VERSION);
  f.oneOf(root.architecture, 'architecture', ['SF-NFNet-F0']);
  const spec = readSpec(f, root.spec);
  const parameterCount = f.number(root.parameterCount, 'parameterCount', { integer: true, min: 1 });
  if (specParameterCount(spec) !== parameterCount) f.fail('parameterCount', `${specParameterCount(spec)} (the count of spec)`, parameterCount);
  const config: ModelConfig = {
    format: MODEL_CONFIG_FORMAT,
    formatVersion: MODEL_CONFIG_FORMAT_VERSION,
    architecture: 'SF-NFNet-F0',
    isReleasedMuleArchitecture: f.boolean(root.isReleasedMuleArchitecture, 'isReleasedMuleArchitecture'),
    parameterCount,
    spec,
    decoding: readDecoding(f, root.decoding),
    resampling: readResampling(f, root.resampling),
    melFrontEnd: readMel(f, root.melFrontEnd),
    slicing: readSlicing(f, root.slicing),
    backbone: readBackbone(f, root.backbone),
    tensorLayout: readTensorLayout(f, root.tensorLayout),
  };
  checkStagesFit(f, config);
  return config;
}

function readDecoding(f: JsonFields, value: unknown): DecodingParams {
  const o = f.object(value, 'decoding');
  return {
    sampleRate: f.number(o.sampleRate, 'decoding.sampleRate', { integer: true, min: 1 }),
    sampleFormat: f.oneOf(o.sampleFormat, 'decoding.sampleFormat', ['s16'] as const),
    int16Scale: f.number(o.int16Scale, 'decoding.int16Scale', { above: 0 }),
    channelMix: f.oneOf(o.channelMix, 'decoding.channelMix', ['sum'] as const),
    maxSeconds: f.number(o.maxSeconds, 'decoding.maxSeconds', { above: 0 }),
  };
}

function readResampling(f: JsonFields, value: unknown): ResamplingParams {
  const o = f.object(value, 'resampling');
  const filter = f.object(o.filter, 'resampling.filter');
  return {
    targetRate: f.number(o.targetRate, 'resampling.targetRate', { integer: true, min: 1 }),
    method: f.oneOf(o.method, 'resampling.method', ['resampy-kaiser-sinc'] as const),
    filter: {
      zeroCrossings: f.number(filter.zeroCrossings, 'resampling.filter.zeroCrossings', { integer: true, min: 1, max: 1024 }),
      precision: f.number(filter.precision, 'resampling.filter.precision', { integer: true, min: 1, max: 2 ** 16 }),
      rolloff: f.number(filter.rolloff, 'resampling.filter.rolloff', { above: 0, max: 1 }),
      beta: f.number(filter.beta, 'resampling.filter.beta', { min: 0 }),
    },
    lengthRule: f.oneOf(o.lengthRule, 'resampling.lengthRule', ['librosa-fix-length'] as const),
  };
}

function readMel(f: JsonFields, value: unknown): MelFrontEndParams {
  const o = f.object(value, 'melFrontEnd');
  const compression = f.object(o.compression, 'melFrontEnd.compression');
  const nFft = f.number(o.nFft, 'melFrontEnd.nFft', { integer: true, min: 4, max: 1 << 20 });
  if ((nFft & (nFft - 1)) !== 0) f.fail('melFrontEnd.nFft', 'a power of two (the FFT this runtime has)', nFft, 'UNSUPPORTED');
  return {
    sampleRate: f.number(o.sampleRate, 'melFrontEnd.sampleRate', { integer: true, min: 1 }),
    nFft,
    hopLength: f.number(o.hopLength, 'melFrontEnd.hopLength', { integer: true, min: 1 }),
    winLength: f.number(o.winLength, 'melFrontEnd.winLength', { integer: true, min: 1, max: nFft }),
    window: f.oneOf(o.window, 'melFrontEnd.window', ['hann'] as const),
    padMode: f.oneOf(o.padMode, 'melFrontEnd.padMode', ['reflect'] as const),
    nMels: f.number(o.nMels, 'melFrontEnd.nMels', { integer: true, min: 1, max: 4096 }),
    fmin: f.number(o.fmin, 'melFrontEnd.fmin', { min: 0 }),
    fmax: f.number(o.fmax, 'melFrontEnd.fmax', { above: 0 }),
    htk: f.oneOf(o.htk, 'melFrontEnd.htk', [true] as const),
    norm: f.number(o.norm, 'melFrontEnd.norm', { above: 0 }),
    power: f.number(o.power, 'melFrontEnd.power', { above: 0 }),
    compression: {
      kind: f.oneOf(compression.kind, 'melFrontEnd.compression.kind', ['log10_nonneg'] as const),
      multiplier: f.number(compression.multiplier, 'melFrontEnd.compression.multiplier', { above: 0 }),
    },
  };
}

function readSlicing(f: JsonFields, value: unknown): SlicingParams {
  const o = f.object(value, 'slicing');
  return {
    lookBackward: f.number(o.lookBackward, 'slicing.lookBackward', { integer: true, min: 0 }),
    lookForward: f.number(o.lookForward, 'slicing.lookForward', { integer: true, min: 1 }),
    hop: f.number(o.hop, 'slicing.hop', { integer: true, min: 1 }),
    chunkFrames: f.number(o.chunkFrames, 'slicing.chunkFrames', { integer: true, min: 1 }),
    stdFloor: f.number(o.stdFloor, 'slicing.stdFloor', { min: 0 }),
  };
}

function readBackbone(f: JsonFields, value: unknown): BackboneIo {
  const o = f.object(value, 'backbone');
  const input = f.object(o.input, 'backbone.input');
  const output = f.object(o.output, 'backbone.output');
  const inputShape = f.array(input.shape, 'backbone.input.shape');
  const outputShape = f.array(output.shape, 'backbone.output.shape');
  if (inputShape.length !== 4 || inputShape[0] !== null) f.fail('backbone.input.shape', '[null, 1, mel bins, frames]', inputShape);
  if (outputShape.length !== 2 || outputShape[0] !== null) f.fail('backbone.output.shape', '[null, embedding dim]', outputShape);
  return {
    input: {
      name: f.string(input.name, 'backbone.input.name'),
      layout: f.oneOf(input.layout, 'backbone.input.layout', ['NCHW'] as const),
      shape: [
        null,
        f.oneOf(inputShape[1], 'backbone.input.shape[1]', [1] as const),
        f.number(inputShape[2], 'backbone.input.shape[2]', { integer: true, min: 1 }),
        f.number(inputShape[3], 'backbone.input.shape[3]', { integer: true, min: 1 }),
      ],
    },
    output: {
      name: f.string(output.name, 'backbone.output.name'),
      shape: [null, f.number(outputShape[1], 'backbone.output.shape[1]', { integer: true, min: 1 })],
    },
  };
}

function readTensorLayout(f: JsonFields, value: unknown): ModelConfig['tensorLayout'] {
  const o = f.object(value, 'tensorLayout');
  return {
    convWeight: f.oneOf(o.convWeight, 'tensorLayout.convWeight', ['OIHW'] as const),
    denseWeight: f.oneOf(o.denseWeight, 'tensorLayout.denseWeight', ['out,in'] as const),
    weightStandardization: f.oneOf(o.weightStandardization, 'tensorLayout.weightStandardization', ['not applied (raw v, gain, bias)'] as const),
  };
}

/** The spec as written by the converter; its structure is checked by counting its parameters. */
function readSpec(f: JsonFields, value: unknown): SfNfNetSpec {
  const o = f.object(value, 'spec');
  const shape = f.array(o.inputShape, 'spec.inputShape');
  if (shape.length !== 3) f.fail('spec.inputShape', '[mel bins, frames, channels]', shape);
  shape.forEach((d, i) => f.number(d, `spec.inputShape[${i}]`, { integer: true, min: 1 }));
  f.number(o.embeddingDim, 'spec.embeddingDim', { integer: true, min: 1 });
  f.oneOf(o.activation, 'spec.activation', ['gelu', 'relu'] as const);
  f.number(o.alpha, 'spec.alpha');
  f.number(o.activationGain, 'spec.activationGain');
  for (const path of ['slow', 'fast'] as const) {
    const p = f.object(o[path], `spec.${path}`);
    f.array(p.stem, `spec.${path}.stem`);
    f.array(p.stages, `spec.${path}.stages`);
  }
  f.array(o.fusions, 'spec.fusions');
  const spec = JSON.parse(JSON.stringify(o)) as SfNfNetSpec;
  let count: number;
  try {
    count = specParameterCount(spec);
  } catch (cause) {
    return f.fail('spec', 'an SF-NFNet-F0 spec as the converter writes it', `a structure that cannot be read (${(cause as Error).message})`);
  }
  if (!Number.isSafeInteger(count) || count <= 0) f.fail('spec', 'an SF-NFNet-F0 spec with a positive parameter count', count);
  return spec;
}

/** The stages must agree where one feeds the next. */
function checkStagesFit(f: JsonFields, c: ModelConfig): void {
  const mismatch = (field: string, expected: unknown, found: unknown): never =>
    f.fail(field, `${JSON.stringify(expected)} to fit the stage it feeds`, found, 'MALFORMED_CONFIG');
  if (c.melFrontEnd.sampleRate !== c.resampling.targetRate) mismatch('melFrontEnd.sampleRate', c.resampling.targetRate, c.melFrontEnd.sampleRate);
  if (c.melFrontEnd.fmax > c.melFrontEnd.sampleRate / 2) mismatch('melFrontEnd.fmax', `<= ${c.melFrontEnd.sampleRate / 2} (Nyquist)`, c.melFrontEnd.fmax);
  if (c.melFrontEnd.fmin >= c.melFrontEnd.fmax) mismatch('melFrontEnd.fmin', `< ${c.melFrontEnd.fmax}`, c.melFrontEnd.fmin);
  const [, , melBins, frames] = c.backbone.input.shape;
  if (melBins !== c.melFrontEnd.nMels) mismatch('backbone.input.shape[2]', c.melFrontEnd.nMels, melBins);
  if (frames !== sliceWidth(c.slicing)) mismatch('backbone.input.shape[3]', sliceWidth(c.slicing), frames);
  if (c.spec.inputShape[0] !== melBins || c.spec.inputShape[1] !== frames || c.spec.inputShape[2] !== 1) {
    mismatch('spec.inputShape', [melBins, frames, 1], c.spec.inputShape);
  }
  if (c.backbone.output.shape[1] !== c.spec.embeddingDim) mismatch('backbone.output.shape[1]', c.spec.embeddingDim, c.backbone.output.shape[1]);
}
