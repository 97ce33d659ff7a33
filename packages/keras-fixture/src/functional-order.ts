/**
 * The order of a Keras 2.13 Functional model's `model.layers` (`_map_graph_network` +
 * `_build_map` in keras/engine/functional.py), which is also the order of `config.json` layers
 * and of the h5 numbering (KERAS_FORMAT §2.4, §8).
 */

export interface OrderableLayer {
  name: string;
  /** Input layers in the order Keras flattens a node's inputs: first-argument tensors, then keyword tensors by sorted key. */
  inputs: readonly string[];
}

/**
 * Depth of a layer = longest path from it to the output; layers sorted by depth descending, ties
 * broken by the order in which a depth-first search from the output first reaches them.
 * Every layer is assumed to be called once (one inbound node), as in SF-NFNet-F0.
 */
export function functionalLayerOrder<L extends OrderableLayer>(layers: readonly L[], outputName: string): L[] {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const firstVisit = new Map<string, number>();
  const finished = new Set<string>();
  const inProgress = new Set<string>();
  const postOrder: string[] = [];

  const visit = (name: string): void => {
    if (finished.has(name)) return;
    if (inProgress.has(name)) throw new Error(`functionalLayerOrder: cycle through layer '${name}'`);
    const layer = byName.get(name);
    if (!layer) throw new Error(`functionalLayerOrder: unknown layer '${name}'`);
    if (!firstVisit.has(name)) firstVisit.set(name, firstVisit.size);
    inProgress.add(name);
    for (const input of layer.inputs) visit(input);
    inProgress.delete(name);
    finished.add(name);
    postOrder.push(name);
  };
  visit(outputName);

  // Reversed post-order visits every consumer before its producers, so depths propagate in one pass.
  const depth = new Map<string, number>();
  for (const name of [...postOrder].reverse()) {
    const d = depth.get(name) ?? 0;
    depth.set(name, d);
    for (const input of byName.get(name)!.inputs) depth.set(input, Math.max(depth.get(input) ?? 0, d + 1));
  }

  return postOrder
    .map((name) => byName.get(name)!)
    .sort((a, b) => depth.get(b.name)! - depth.get(a.name)! || firstVisit.get(a.name)! - firstVisit.get(b.name)!);
}
