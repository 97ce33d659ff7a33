/**
 * Binds every tensor of a recognised SF-NFNet-F0 to its Keras dataset, asserting presence and
 * shape up front (before anything is written) and reading lazily, one tensor at a time, into the
 * canonical layout (see runtime `canonical-names.ts`).
 */
import { MuleError, canonicalTensors, elementCount, type CanonicalTensor, type SfNfNetSpec, type TensorRole } from '@mule-ts/core';
import type { KerasLayer, KerasModelFile, KerasWeight } from '../keras/types.js';
import { copyInto, transposeDenseToOutInInto, transposeHwioToOihwInto } from './layout-transforms.js';
import type { RecognisedConv, RecognisedModel } from './walk-sfnfnet.js';

export interface CheckpointTensor extends CanonicalTensor {
  source: { layer: string; className: string; slot: string; path: string; kerasShape: number[] };
  /** Reads the dataset, checks it is finite and returns it in the canonical layout. */
  read(): Float32Array;
  /** Like `read`, into `target` (exactly the tensor's element count), e.g. a reused buffer. */
  readInto(target: Float32Array): void;
}

export interface CanonicalCheckpoint {
  file: string;
  spec: SfNfNetSpec;
  tensors: CheckpointTensor[];
  parameterCount: number;
}

interface Binding {
  layer: KerasLayer;
  slot: string;
  kerasShape: number[];
}

/** Top-level groups of a weights file that hold training state, not layers. */
const NON_LAYER_ROOTS = new Set(['optimizer', 'metrics', 'vars', 'optimizer_weights']);

export function buildCanonicalCheckpoint(model: KerasModelFile, recognised: RecognisedModel): CanonicalCheckpoint {
  const file = model.file;
  const legacy = model.container === 'legacy-hdf5';
  const bindings = new Map<string, Binding>();
  const bindConv = (prefix: string, c: RecognisedConv) => {
    const [kh, kw] = c.spec.kernel;
    const { inChannels: ci, outChannels: co, groups } = c.spec;
    bindings.set(`${prefix}.weight`, { layer: c.layer, slot: 'vars/0', kerasShape: [kh, kw, ci / groups, co] });
    bindings.set(`${prefix}.gain`, { layer: c.layer, slot: 'vars/1', kerasShape: [co] });
    // v3: the bias stays with the wrapped Conv2D (`layer/vars/0`); legacy: the wrapper lists it third.
    bindings.set(`${prefix}.bias`, { layer: c.layer, slot: legacy ? 'vars/2' : 'layer/vars/0', kerasShape: [co] });
  };
  const bindDense = (prefix: string, layer: KerasLayer, inputs: number, outputs: number) => {
    bindings.set(`${prefix}.weight`, { layer, slot: 'vars/0', kerasShape: [inputs, outputs] });
    bindings.set(`${prefix}.bias`, { layer, slot: 'vars/1', kerasShape: [outputs] });
  };
  for (const path of ['slow', 'fast'] as const) {
    recognised.stems[path].forEach((c, i) => bindConv(`${path}.stem.${i}`, c));
    recognised.blocks[path].forEach((stage, s) =>
      stage.forEach((b, k) => {
        const prefix = `${path}.stages.${s}.blocks.${k}`;
        b.convs.forEach((c, j) => bindConv(`${prefix}.conv${j}`, c));
        if (b.shortcut) bindConv(`${prefix}.shortcut`, b.shortcut);
        bindDense(`${prefix}.se.fc0`, b.se[0], b.spec.outChannels, b.spec.seHidden);
        bindDense(`${prefix}.se.fc1`, b.se[1], b.spec.seHidden, b.spec.outChannels);
        bindings.set(`${prefix}.skip_gain`, { layer: b.skipGain, slot: 'vars/0', kerasShape: [] });
      }),
    );
  }
  recognised.fusions.forEach((f, i) => {
    bindConv(`fusions.${i}.temporal`, f.temporal);
    bindConv(`fusions.${i}.pointwise`, f.pointwise);
  });

  const weightsByLayer = new Map<string, Map<string, KerasWeight>>();
  for (const w of model.weights) {
    const slots = weightsByLayer.get(w.layerName) ?? new Map<string, KerasWeight>();
    slots.set(w.slot, w);
    weightsByLayer.set(w.layerName, slots);
  }
  const claimed = new Set<KerasWeight>();

  const tensors: CheckpointTensor[] = canonicalTensors(recognised.spec).map((t) => {
    const b = bindings.get(t.name);
    if (!b) throw new Error(`internal: canonical tensor ${t.name} has no Keras binding`);
    const w = weightsByLayer.get(b.layer.name)?.get(b.slot);
    if (!w) {
      throw new MuleError(
        'MISSING_WEIGHT',
        `${file}: layer '${b.layer.name}' (${b.layer.className}) has no weight '${b.layer.weightsGroup ? `${b.layer.weightsGroup}/` : ''}${b.slot}' (needed for ${t.name}, shape [${b.kerasShape.join(', ')}])`,
        { file, layer: b.layer.name, tensor: t.name, expected: b.kerasShape },
      );
    }
    if (!sameShape(w.shape, b.kerasShape)) {
      throw new MuleError(
        'WRONG_SHAPE',
        `${file}: layer '${b.layer.name}' weight '${w.path}' (${t.name}) has shape [${w.shape.join(', ')}], expected [${b.kerasShape.join(', ')}]`,
        { file, layer: b.layer.name, tensor: t.name, expected: b.kerasShape, found: w.shape },
      );
    }
    if (!/^[<>|=]?f[248]$/.test(w.dtype)) {
      throw new MuleError('WRONG_DTYPE', `${file}: weight '${w.path}' (${t.name}) is ${w.dtype}, expected a float dataset`, {
        file,
        layer: b.layer.name,
        tensor: t.name,
        found: w.dtype,
      });
    }
    claimed.add(w);
    return {
      ...t,
      source: { layer: b.layer.name, className: b.layer.className, slot: b.slot, path: w.path, kerasShape: b.kerasShape },
      read: () => {
        const target = new Float32Array(elementCount(t.shape));
        readCanonicalInto(model, t, w, b, target);
        return target;
      },
      readInto: (target: Float32Array) => readCanonicalInto(model, t, w, b, target),
    };
  });

  for (const w of model.weights) {
    if (!claimed.has(w)) {
      throw new MuleError(
        'EXTRA_WEIGHT',
        `${file}: unexpected weight '${w.path}' (shape [${w.shape.join(', ')}]) on layer '${w.layerName}' (${w.className}); an SF-NFNet-F0 ${w.className} has no '${w.slot}'`,
        { file, layer: w.layerName, tensor: w.path, found: w.shape },
      );
    }
  }
  const assigned = new Set(model.weights.map((w) => w.path));
  for (const d of model.datasets) {
    const root = d.path.replace(/^\//, '').split(/[\\/]/)[0] ?? '';
    if (!assigned.has(d.path) && !NON_LAYER_ROOTS.has(root)) {
      throw new MuleError('EXTRA_WEIGHT', `${file}: dataset '${d.path}' (shape [${d.shape.join(', ')}]) belongs to no layer of the model`, {
        file,
        tensor: d.path,
        found: d.shape,
      });
    }
  }

  return {
    file,
    spec: recognised.spec,
    tensors,
    parameterCount: tensors.reduce((n, t) => n + elementCount(t.shape), 0),
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function readCanonicalInto(model: KerasModelFile, t: CanonicalTensor, w: KerasWeight, b: Binding, target: Float32Array): void {
  const expected = elementCount(b.kerasShape);
  if (target.length !== expected) {
    throw new Error(`internal: ${t.name} needs a target of ${expected} values, got ${target.length}`);
  }
  model.withFloat32(w.path, (raw) => {
    if (raw.length !== expected) {
      throw new MuleError('WRONG_SHAPE', `${model.file}: weight '${w.path}' (${t.name}) holds ${raw.length} values, expected ${expected}`, {
        file: model.file,
        layer: b.layer.name,
        tensor: t.name,
      });
    }
    if (!transformInto(t.role, raw, target, b.kerasShape)) throwNonFinite(model.file, raw, t.name, w.path, b.layer.name);
  });
}

/** Writes `raw` into `target` in the canonical layout; false when some value is not finite. */
function transformInto(role: TensorRole, raw: Float32Array, target: Float32Array, kerasShape: number[]): boolean {
  if (role === 'conv.weight') return transposeHwioToOihwInto(raw, target, kerasShape as [number, number, number, number]);
  if (role === 'dense.weight') return transposeDenseToOutInInto(raw, target, kerasShape as [number, number]);
  return copyInto(raw, target);
}

/** Only called once a value is known to be NaN or ±Inf: counts them and names the first (Keras order). */
function throwNonFinite(file: string, data: Float32Array, tensor: string, path: string, layer: string): never {
  let first = -1;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      if (first < 0) first = i;
      count++;
    }
  }
  throw new MuleError(
    'NON_FINITE',
    `${file}: weight '${path}' (${tensor}, layer '${layer}') has ${count} non-finite value(s); the first is ${data[first]} at flat index ${first}`,
    { file, layer, tensor, found: data[first] },
  );
}
