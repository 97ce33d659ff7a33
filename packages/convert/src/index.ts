export * from './archive/index.js';
export * from './keras/index.js';
export * from './inspect/index.js';
export * from './safetensors/index.js';
export * from './output/index.js';
export * from './recognise/index.js';
export { convertKerasFile } from './convert/convert-keras.js';
export type { ConvertOptions, ConvertProgress, ConvertPhase, ConvertSummary } from './convert/convert-keras.js';
export * from './onnx/index.js';
