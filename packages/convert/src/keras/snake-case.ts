/**
 * Keras's `to_snake_case`, which names the HDF5 group of each layer in a `.keras` weights file
 * after the layer's class (`Conv2D` -> `conv2d`, `ReLU` -> `re_lu`, `TFOpLambda` -> `tf_op_lambda`).
 * Keras 2 (`keras/utils/generic_utils.py`): split before a capitalised word (letters or digits),
 * then between a lower-case letter and a capital, lower-case the result, and prefix `private`
 * when the name starts with `_`.
 */
export function kerasSnakeCase(className: string): string {
  const words = className.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2');
  const snake = words.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return snake.startsWith('_') ? `private${snake}` : snake;
}

/**
 * Keras 3's variant (`keras/src/utils/naming.py`): non-word characters are dropped first, a
 * capitalised word is letters only, and there is no `private` prefix.
 */
export function keras3SnakeCase(className: string): string {
  const cleaned = className.replace(/\W+/g, '');
  const words = cleaned.replace(/(.)([A-Z][a-z]+)/g, '$1_$2');
  return words.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The snake-case rule of the Keras version that wrote a file (Keras 2 when unknown). */
export function snakeCaseFor(kerasVersion: string | null): (className: string) => string {
  return kerasVersion !== null && /^3\./.test(kerasVersion) ? keras3SnakeCase : kerasSnakeCase;
}
