export * from './small-options.js';
export * from './python-json.js';
export * from './checkpoint-paths.js';
export * from './functional-order.js';
export * from './keras-graph.js';
export * from './weights.js';
export * from './stored-zip.js';
export * from './write-keras.js';
