/** The file names of a converted artifacts directory: one place, read by every producer and consumer. */
export const MANIFEST_FILE_NAME = 'manifest.json';
export const MODEL_CONFIG_FILE_NAME = 'config.json';
export const SAFETENSORS_FILE_NAME = 'model.safetensors';
export const BACKBONE_FILE_NAME = 'backbone.onnx';

/**
 * The backbone's precisions: 'fp32' (backbone.onnx, what upstream computes) and 'fp16' (float16
 * weights: half the download, computed in float32). Each is its own file, verified on its own.
 */
export const BACKBONE_PRECISIONS = ['fp32', 'fp16', 'int8'] as const;
export type BackbonePrecision = (typeof BACKBONE_PRECISIONS)[number];

/** The backbone file of a precision: backbone.onnx for fp32, backbone-<precision>.onnx otherwise. */
export function backboneFileName(precision: BackbonePrecision): string {
  return precision === 'fp32' ? BACKBONE_FILE_NAME : `backbone-${precision}.onnx`;
}
