/** The file names of a converted artifacts directory: one place, read by every producer and consumer. */
export const MANIFEST_FILE_NAME = 'manifest.json';
export const MODEL_CONFIG_FILE_NAME = 'config.json';
export const SAFETENSORS_FILE_NAME = 'model.safetensors';
export const BACKBONE_FILE_NAME = 'backbone.onnx';
