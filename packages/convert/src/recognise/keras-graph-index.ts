import { MuleError } from '@mule-ts/core';
import type { KerasLayer, KerasModelFile, KerasTensorRef } from '../keras/types.js';

export interface Consumer {
  layer: KerasLayer;
  /** Position among the call's first-argument inputs, or the kwarg name that holds the tensor. */
  via: number | string;
}

/** Lookups over a Functional graph: layers by name, the producers a layer reads, its consumers. */
export class KerasGraphIndex {
  readonly file: string;
  private readonly byName = new Map<string, KerasLayer>();
  private readonly consumersOf = new Map<string, Consumer[]>();

  constructor(model: Pick<KerasModelFile, 'file' | 'layers'>) {
    this.file = model.file;
    for (const layer of model.layers) {
      if (this.byName.has(layer.name)) {
        throw new MuleError('MALFORMED_CONFIG', `${model.file}: two layers are named '${layer.name}'`, {
          file: model.file,
          layer: layer.name,
        });
      }
      this.byName.set(layer.name, layer);
      this.consumersOf.set(layer.name, []);
    }
    for (const layer of model.layers) {
      const call = layer.calls[0];
      if (!call) continue;
      const add = (ref: KerasTensorRef, via: number | string) => {
        const list = this.consumersOf.get(ref.layer);
        if (!list) {
          throw new MuleError(
            'MALFORMED_CONFIG',
            `${model.file}: layer '${layer.name}' reads from '${ref.layer}', which is not a layer of the model`,
            { file: model.file, layer: layer.name },
          );
        }
        list.push({ layer, via });
      };
      call.inputs.forEach((ref, i) => add(ref, i));
      for (const [key, ref] of Object.entries(call.kwargRefs)) add(ref, key);
    }
  }

  layer(name: string): KerasLayer {
    const layer = this.byName.get(name);
    if (!layer) throw new MuleError('MALFORMED_CONFIG', `${this.file}: no layer named '${name}'`, { file: this.file });
    return layer;
  }

  consumers(layer: KerasLayer): Consumer[] {
    return this.consumersOf.get(layer.name) ?? [];
  }

  /** The layers feeding `layer`'s first call argument, in order. */
  inputs(layer: KerasLayer): KerasLayer[] {
    return (layer.calls[0]?.inputs ?? []).map((ref) => this.layer(ref.layer));
  }

  kwargInput(layer: KerasLayer, key: string): KerasLayer | null {
    const ref = layer.calls[0]?.kwargRefs[key];
    return ref ? this.layer(ref.layer) : null;
  }
}
