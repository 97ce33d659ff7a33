export { OnnxGraphBuilder, ONNX_IR_VERSION, ONNX_OPSET, attr, concatEncodedModel } from './onnx-graph-builder.js';
export type { AttributeValue, AutoPad, AveragePoolOptions, ConvOptions, Dim, EncodedModel, GemmOptions, ModelMetadata, Padding } from './onnx-graph-builder.js';
export { decodeModelProto, encodeModelProto } from './onnx-proto.js';
export type { ModelProto } from './onnx-proto.js';
export { WS_EPSILON, standardiseConvKernel } from './weight-standardisation.js';
export { hoistFrequencyStride } from './backbone-layers.js';
export type { ScaleFolding } from './backbone-layers.js';
export {
  buildBackboneOnnx,
  buildBackboneOnnxModel,
  writeBackboneOnnx,
} from './export-backbone.js';
export { buildPipelineOnnxModel, writePipelineOnnx, PIPELINE_EMBEDDING_NAME, PIPELINE_INPUT_NAME, PIPELINE_TIMELINE_NAME } from './export-pipeline.js';
export type { BackboneOnnx, BackboneOnnxOptions, BackboneOnnxSummary } from './export-backbone.js';
export { tfSamePadding, tfSamePadding2d } from './tf-same-padding.js';
export type { AxisPadding, SamePadding2d } from './tf-same-padding.js';
