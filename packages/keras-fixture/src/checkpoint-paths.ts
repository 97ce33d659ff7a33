/**
 * Where Keras 2.13.1 puts each layer in `model.weights.h5` (KERAS_FORMAT §2.1-2.3).
 */

/** The top-level group that holds the layers in 2.12-2.14 files. */
export const CHECKPOINT_PREFIX = '_layer_checkpoint_dependencies';

/** keras.utils.generic_utils.to_snake_case. */
export function toSnakeCase(className: string): string {
  const intermediate = className.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2');
  const insecure = intermediate.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return insecure.startsWith('_') ? `private${insecure}` : insecure;
}

export interface CheckpointLayer {
  className: string;
  /** Whether `layer.weights` is non-empty (a wrapper counts its inner layer's weights). */
  weighted: boolean;
}

/**
 * Group paths of `layers` (given in `model.layers` order) under `_layer_checkpoint_dependencies/`,
 * with the 2.13 doubled numbering: per snake-case class name a weighted layer takes two counter
 * slots and an unweighted one takes one; a counter value of 0 gives no suffix.
 */
export function checkpointGroupPaths(layers: readonly CheckpointLayer[]): string[] {
  const counters = new Map<string, number>();
  return layers.map((layer) => {
    const base = toSnakeCase(layer.className);
    const slot = counters.get(base) ?? 0;
    counters.set(base, slot + (layer.weighted ? 2 : 1));
    return `${CHECKPOINT_PREFIX}/${slot === 0 ? base : `${base}_${slot}`}`;
  });
}
