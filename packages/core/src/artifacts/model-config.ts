/**
 * `config.json` of the converted artifacts: the architecture as recognised from the Keras file,
 * the front-end parameters, and the tensor layout of `model.safetensors`.
 */
import { MuleError } from '../errors/index.js';
import type { AudioInputParams, MelFrontEndParams, SlicingParams } from '../frontend/index.js';
import { MULE_AUDIO_INPUT, MULE_MEL_FRONT_END, MULE_SLICING } from '../frontend/index.js';
import type { SfNfNetSpec } from '../spec/index.js';

export const MODEL_CONFIG_FORMAT = 'mule-ts-model-config';

export interface ModelConfig {
  format: typeof MODEL_CONFIG_FORMAT;
  formatVersion: 1;
  architecture: 'SF-NFNet-F0';
  /** True when the spec equals the released MULE model's (62,345,742 parameters). */
  isReleasedMuleArchitecture: boolean;
  parameterCount: number;
  spec: SfNfNetSpec;
  audio: AudioInputParams;
  melFrontEnd: MelFrontEndParams;
  slicing: SlicingParams;
  /** Input of the backbone: NCHW (N, 1, mel bins, frames); Keras takes NHWC (N, mel bins, frames, 1). */
  backboneInput: { layout: 'NCHW'; shape: [null, number, number, number] };
  tensorLayout: {
    convWeight: 'OIHW';
    denseWeight: 'out,in';
    weightStandardization: 'not applied (raw v, gain, bias)';
  };
}

export function makeModelConfig(spec: SfNfNetSpec, parameterCount: number, isReleasedMuleArchitecture: boolean): ModelConfig {
  return {
    format: MODEL_CONFIG_FORMAT,
    formatVersion: 1,
    architecture: 'SF-NFNet-F0',
    isReleasedMuleArchitecture,
    parameterCount,
    spec,
    audio: { ...MULE_AUDIO_INPUT },
    melFrontEnd: { ...MULE_MEL_FRONT_END },
    slicing: { ...MULE_SLICING },
    backboneInput: { layout: 'NCHW', shape: [null, spec.inputShape[2], spec.inputShape[0], spec.inputShape[1]] },
    tensorLayout: {
      convWeight: 'OIHW',
      denseWeight: 'out,in',
      weightStandardization: 'not applied (raw v, gain, bias)',
    },
  };
}

/** Parses config.json text; errors name `file`. */
export function parseModelConfig(text: string, file: string): ModelConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new MuleError('MALFORMED_JSON', `${file}: cannot read the model config: ${(e as Error).message}`, { file, cause: e });
  }
  const cfg = parsed as Partial<ModelConfig>;
  if (cfg.format !== MODEL_CONFIG_FORMAT || cfg.formatVersion !== 1) {
    throw new MuleError('MALFORMED_CONFIG', `${file}: not a mule-ts model config (format ${String(cfg.format)} v${String(cfg.formatVersion)})`, { file });
  }
  return cfg as ModelConfig;
}
