import { MuleError, type ScaledActivation } from '@mule-ts/core';
import type { KerasLayer } from '../keras/types.js';

/** The Keras-registered names of upstream's scaled activations. */
const SCALED_ACTIVATION_NAMES: Readonly<Record<string, ScaledActivation>> = {
  _scaled_gelu_activation: 'gelu',
  _scaled_relu_activation: 'relu',
};

export interface ConvConfig {
  filters: number;
  kernel: [number, number];
  strides: [number, number];
  groups: number;
  padding: string;
  useBias: boolean;
  activation: string;
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function pair(v: unknown): [number, number] | null {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number")) return [v[0] as number, v[1] as number];
  return null;
}

/** The name of a serialised activation: a plain string, or Keras 2.13's `{class_name: "function", config: name}`. */
export function activationName(v: unknown): string | null {
  if (typeof v === 'string') return v;
  const rec = asRecord(v);
  if (rec && typeof rec.config === 'string') return rec.config;
  if (rec && typeof rec.class_name === 'string' && rec.class_name !== 'function') return rec.class_name;
  return null;
}

export function scaledActivationOf(layer: KerasLayer): ScaledActivation | null {
  if (layer.className !== 'Activation') return null;
  const name = activationName(layer.config.activation);
  return name === null ? null : (SCALED_ACTIVATION_NAMES[name] ?? null);
}

export function describeLayer(layer: KerasLayer | undefined | null): string {
  return layer ? `${layer.className} '${layer.name}'` : 'nothing';
}

export class LayerFacts {
  constructor(private readonly file: string) {}

  fail(layer: KerasLayer | null, message: string): never {
    throw new MuleError('WRONG_ARCHITECTURE', `${this.file}: not an SF-NFNet-F0 (MULE) model: ${message}`, {
      file: this.file,
      ...(layer ? { layer: layer.name } : {}),
    });
  }

  /** The Conv2D config inside a WeightStandardization wrapper. */
  convConfig(layer: KerasLayer): ConvConfig {
    if (layer.className !== 'WeightStandardization') this.fail(layer, `expected a WeightStandardization, found ${describeLayer(layer)}`);
    const inner = asRecord(layer.config.layer);
    const cfg = asRecord(inner?.config);
    if (!inner || inner.class_name !== 'Conv2D' || !cfg) {
      this.fail(layer, `WeightStandardization '${layer.name}' does not wrap a Conv2D`);
    }
    const kernel = pair(cfg.kernel_size);
    const strides = pair(cfg.strides ?? 1);
    const filters = cfg.filters;
    const groups = cfg.groups ?? 1;
    if (!kernel || !strides || typeof filters !== 'number' || typeof groups !== 'number') {
      this.fail(layer, `the Conv2D config of '${layer.name}' lacks filters, kernel_size, strides or groups`);
    }
    const padding = String(cfg.padding ?? 'valid');
    if (padding !== 'same') this.fail(layer, `conv '${layer.name}' uses padding '${padding}', expected 'same'`);
    const dilation = pair(cfg.dilation_rate ?? 1);
    if (!dilation || dilation[0] !== 1 || dilation[1] !== 1) this.fail(layer, `conv '${layer.name}' is dilated`);
    const dataFormat = cfg.data_format ?? 'channels_last';
    if (dataFormat !== 'channels_last') this.fail(layer, `conv '${layer.name}' is ${String(dataFormat)}, expected channels_last`);
    return {
      filters,
      kernel,
      strides,
      groups,
      padding,
      useBias: cfg.use_bias !== false,
      activation: activationName(cfg.activation) ?? 'linear',
    };
  }

  expectClass(layer: KerasLayer | null | undefined, className: string, where: string): KerasLayer {
    if (!layer || layer.className !== className) this.fail(layer ?? null, `${where}: expected ${className}, found ${describeLayer(layer)}`);
    return layer;
  }

  expectScaledActivation(layer: KerasLayer | null | undefined, where: string): { layer: KerasLayer; activation: ScaledActivation } {
    const act = layer ? scaledActivationOf(layer) : null;
    if (!layer || !act) this.fail(layer ?? null, `${where}: expected a scaled activation (Activation '_scaled_gelu_activation'), found ${describeLayer(layer)}`);
    return { layer, activation: act };
  }

  scalarMultiply(layer: KerasLayer | null | undefined, learnable: boolean, where: string): { layer: KerasLayer; initGain: number } {
    const l = this.expectClass(layer, 'ScalarMultiply', where);
    const init = l.config.init_gain;
    const isLearnable = l.config.learnable === true;
    if (typeof init !== 'number') this.fail(l, `${where}: ScalarMultiply '${l.name}' has no numeric init_gain`);
    if (isLearnable !== learnable) {
      this.fail(l, `${where}: expected a ${learnable ? 'learnable' : 'constant'} ScalarMultiply, '${l.name}' is ${isLearnable ? 'learnable' : 'constant'}`);
    }
    return { layer: l, initGain: init };
  }

  denseUnits(layer: KerasLayer, activation: string, where: string): number {
    this.expectClass(layer, 'Dense', where);
    const units = layer.config.units;
    const act = activationName(layer.config.activation);
    if (typeof units !== 'number') this.fail(layer, `${where}: Dense '${layer.name}' has no units`);
    if (act !== activation) this.fail(layer, `${where}: Dense '${layer.name}' uses activation '${String(act)}', expected '${activation}'`);
    if (layer.config.use_bias === false) this.fail(layer, `${where}: Dense '${layer.name}' has no bias`);
    return units;
  }

  tfOp(layer: KerasLayer | null | undefined, fn: string, where: string): KerasLayer {
    const l = this.expectClass(layer, 'TFOpLambda', where);
    if (l.config.function !== fn) this.fail(l, `${where}: expected tf.${fn}, '${l.name}' is tf.${String(l.config.function)}`);
    return l;
  }
}
