export * from './safetensors-writer.js';
