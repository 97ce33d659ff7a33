/**
 * @mule-ts/convert: the MULE Keras model to safetensors and ONNX, without TensorFlow; inspect any Keras file.
 * @packageDocumentation
 */
export { CONVERT_VARIANTS, PIPELINE_FILE_NAME, convertKerasFile, type ConvertOptions, type ConvertVariant, type ConvertPhase, type ConvertProgress, type ConvertSummary } from './convert/convert-keras.js';
export { inspectKerasFile, type InspectedDataset, type InspectedLayer, type KerasInspectReport } from './inspect/inspect-keras-file.js';
export { formatInspectJson, formatInspectTable } from './inspect/format-inspect.js';
export { openSafetensors, type SafetensorsFile } from './safetensors/safetensors-file.js';
export type { KerasContainer } from './keras/types.js';
export type { OpenKerasFileOptions } from './keras/open-keras-file.js';

// The backbone graph itself, for the int8 variant's calibration (which runs it in onnxruntime, outside this package)
export { buildBackboneOnnx, calibrationOutputNames, type BackboneOnnxOptions } from './onnx/export-backbone.js';
export type { ConvRanges } from './onnx/backbone-layers.js';
export type { ActivationRange } from './onnx/qdq-conv.js';
export { PIPELINE_EMBEDDING_NAME, PIPELINE_INPUT_NAME, PIPELINE_TIMELINE_NAME } from './onnx/export-pipeline.js';
