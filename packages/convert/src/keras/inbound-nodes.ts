import type { KerasLayerCall, KerasTensorRef } from './types.js';

/** The marker Keras 2 writes for a constant (non-tensor) element of a layer's first argument. */
const CONSTANT_VALUE = '_CONSTANT_VALUE';

/**
 * Normalises a layer's serialised `inbound_nodes` into calls. Accepted forms:
 * - Keras 2 nested lists: each node is a list of `[layer, node, tensor, kwargs]` (one per tensor
 *   of the first argument, each carrying the same kwargs);
 * - Keras 2 TFOpLambda, whose node is not wrapped: `[layer, node, tensor, kwargs]` directly, with
 *   tensors inside kwargs as 3-element `[layer, node, tensor]`, and `["_CONSTANT_VALUE", -1, value,
 *   kwargs]` for a constant first argument;
 * - Keras 3 dicts: `{"args": [...], "kwargs": {...}}` with tensors as `__keras_tensor__` objects.
 * `layerNames` tells a 3-element tensor reference inside kwargs from an ordinary list.
 */
export function normaliseInboundNodes(raw: unknown, layerNames: ReadonlySet<string>): KerasLayerCall[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((node) => (isPlainObject(node) ? keras3Call(node, layerNames) : keras2Call(node, layerNames)));
}

function keras2Call(node: unknown, layerNames: ReadonlySet<string>): KerasLayerCall {
  const entries: unknown[][] = [];
  collectKeras2Entries(node, entries);
  const inputs: KerasTensorRef[] = [];
  const firstArgConstants: Array<{ position: number; value: unknown }> = [];
  let kwargs: Record<string, unknown> = {};
  entries.forEach((entry, position) => {
    const entryKwargs = entry[3];
    if (isPlainObject(entryKwargs) && Object.keys(kwargs).length === 0) kwargs = entryKwargs;
    if (entry[0] === CONSTANT_VALUE && entry[1] === -1) {
      firstArgConstants.push({ position, value: entry[2] });
    } else {
      inputs.push({ layer: entry[0] as string, nodeIndex: entry[1] as number, tensorIndex: entry[2] as number });
    }
  });
  const kwargRefs: Record<string, KerasTensorRef> = {};
  for (const [key, value] of Object.entries(kwargs)) {
    const ref = keras2KwargRef(value, layerNames);
    if (ref !== null) kwargRefs[key] = ref;
  }
  const call: KerasLayerCall = { inputs, kwargs, kwargRefs };
  if (firstArgConstants.length > 0) call.firstArgConstants = firstArgConstants;
  return call;
}

/** Depth-first over nested lists, collecting `[name, node, tensor(, kwargs)]` entries in order. */
function collectKeras2Entries(value: unknown, out: unknown[][]): void {
  if (!Array.isArray(value)) return;
  if (isKeras2Entry(value)) {
    out.push(value);
    return;
  }
  for (const item of value) collectKeras2Entries(item, out);
}

function isKeras2Entry(value: unknown[]): boolean {
  if (value.length !== 3 && value.length !== 4) return false;
  if (typeof value[0] !== 'string' || typeof value[1] !== 'number') return false;
  if (value[0] === CONSTANT_VALUE && value[1] === -1) return value.length === 3 || isPlainObject(value[3]) || value[3] == null;
  return typeof value[2] === 'number' && (value.length === 3 || isPlainObject(value[3]));
}

function keras2KwargRef(value: unknown, layerNames: ReadonlySet<string>): KerasTensorRef | null {
  if (
    Array.isArray(value) &&
    value.length === 3 &&
    typeof value[0] === 'string' &&
    layerNames.has(value[0]) &&
    Number.isInteger(value[1]) &&
    Number.isInteger(value[2])
  ) {
    return { layer: value[0], nodeIndex: value[1] as number, tensorIndex: value[2] as number };
  }
  return null;
}

function keras3Call(node: Record<string, unknown>, _layerNames: ReadonlySet<string>): KerasLayerCall {
  const args = Array.isArray(node.args) ? node.args : [];
  const kwargs = isPlainObject(node.kwargs) ? node.kwargs : {};
  const inputs: KerasTensorRef[] = [];
  if (args.length > 0) collectKeras3Tensors(args[0], inputs);
  const kwargRefs: Record<string, KerasTensorRef> = {};
  for (const [key, value] of Object.entries(kwargs)) {
    const ref = keras3TensorRef(value);
    if (ref !== null) kwargRefs[key] = ref;
  }
  const call: KerasLayerCall = { inputs, kwargs, kwargRefs };
  if (args.length > 1) {
    call.otherArgs = args.slice(1);
    const otherArgRefs: KerasTensorRef[] = [];
    for (const arg of args.slice(1)) collectKeras3Tensors(arg, otherArgRefs);
    call.otherArgRefs = otherArgRefs;
  }
  return call;
}

function collectKeras3Tensors(value: unknown, out: KerasTensorRef[]): void {
  const ref = keras3TensorRef(value);
  if (ref !== null) {
    out.push(ref);
  } else if (Array.isArray(value)) {
    for (const item of value) collectKeras3Tensors(item, out);
  } else if (isPlainObject(value)) {
    for (const item of Object.values(value)) collectKeras3Tensors(item, out);
  }
}

function keras3TensorRef(value: unknown): KerasTensorRef | null {
  if (!isPlainObject(value) || value.class_name !== '__keras_tensor__' || !isPlainObject(value.config)) return null;
  const history = value.config.keras_history;
  if (!Array.isArray(history) || typeof history[0] !== 'string') return null;
  return { layer: history[0], nodeIndex: Number(history[1] ?? 0), tensorIndex: Number(history[2] ?? 0) };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
