/**
 * What the repository's own tools (the benchmarks) use beyond the public API. Reachable only
 * through the development-only `./internal` export (its one condition is `source`); never published.
 */
export { OnnxGraphBuilder } from './onnx/onnx-graph-builder.js';
export { hoistFrequencyStride } from './onnx/backbone-layers.js';
export { tfSamePadding } from './onnx/tf-same-padding.js';
