export * from './safetensors-writer.js';
export * from './safetensors-file.js';
