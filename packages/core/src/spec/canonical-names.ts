/**
 * Canonical tensor names and shapes of an SF-NFNet-F0 checkpoint.
 *
 * Layouts (documented transposition of the Keras tensors, values unchanged):
 * - conv `weight`: OIHW [out, in/groups, kh, kw] (Keras stores v as [kh, kw, in/groups, out]);
 *   `gain` [out] and `bias` [out] as stored. The weight is the raw `v`: weight standardisation
 *   is not baked in here (export does that).
 * - dense `weight`: [out, in] (Keras stores [in, out]); `bias` [out].
 * - `skip_gain`: a scalar, shape [].
 *
 * Names:
 *   {slow|fast}.stem.{i}.{weight,gain,bias}
 *   {slow|fast}.stages.{s}.blocks.{b}.conv{0..3}.{weight,gain,bias}
 *   {slow|fast}.stages.{s}.blocks.{b}.shortcut.{weight,gain,bias}     (transition blocks)
 *   {slow|fast}.stages.{s}.blocks.{b}.se.fc{0,1}.{weight,bias}
 *   {slow|fast}.stages.{s}.blocks.{b}.skip_gain
 *   fusions.{i}.{temporal,pointwise}.{weight,gain,bias}
 */
import type { ConvSpec, Path, SfNfNetSpec } from './sfnfnet-spec.js';

export type TensorRole = 'conv.weight' | 'conv.gain' | 'conv.bias' | 'dense.weight' | 'dense.bias' | 'skip_gain';

export interface CanonicalTensor {
  name: string;
  /** Canonical shape (see the layouts above). */
  shape: number[];
  role: TensorRole;
}

export function convTensors(prefix: string, c: ConvSpec): CanonicalTensor[] {
  const [kh, kw] = c.kernel;
  return [
    { name: `${prefix}.weight`, shape: [c.outChannels, c.inChannels / c.groups, kh, kw], role: 'conv.weight' },
    { name: `${prefix}.gain`, shape: [c.outChannels], role: 'conv.gain' },
    { name: `${prefix}.bias`, shape: [c.outChannels], role: 'conv.bias' },
  ];
}

function denseTensors(prefix: string, inputs: number, outputs: number): CanonicalTensor[] {
  return [
    { name: `${prefix}.weight`, shape: [outputs, inputs], role: 'dense.weight' },
    { name: `${prefix}.bias`, shape: [outputs], role: 'dense.bias' },
  ];
}

/** Every tensor of a checkpoint of `spec`, in canonical order (the order of the safetensors file). */
export function canonicalTensors(spec: SfNfNetSpec): CanonicalTensor[] {
  const out: CanonicalTensor[] = [];
  for (const path of ['slow', 'fast'] as Path[]) {
    const p = spec[path];
    p.stem.forEach((c, i) => out.push(...convTensors(`${path}.stem.${i}`, c)));
    p.stages.forEach((stage, s) =>
      stage.blocks.forEach((block, b) => {
        const prefix = `${path}.stages.${s}.blocks.${b}`;
        block.convs.forEach((c, k) => out.push(...convTensors(`${prefix}.conv${k}`, c)));
        if (block.shortcut) out.push(...convTensors(`${prefix}.shortcut`, block.shortcut));
        out.push(...denseTensors(`${prefix}.se.fc0`, block.outChannels, block.seHidden));
        out.push(...denseTensors(`${prefix}.se.fc1`, block.seHidden, block.outChannels));
        out.push({ name: `${prefix}.skip_gain`, shape: [], role: 'skip_gain' });
      }),
    );
  }
  spec.fusions.forEach((f, i) => {
    out.push(...convTensors(`fusions.${i}.temporal`, f.temporal));
    out.push(...convTensors(`fusions.${i}.pointwise`, f.pointwise));
  });
  return out;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
