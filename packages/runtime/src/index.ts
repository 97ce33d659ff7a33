export * from './spec/index.js';
export * from './errors/index.js';
export * from './frontend/index.js';
export * from './model-config/index.js';
export * from './safetensors/index.js';
export * from './artifacts/index.js';
export * from './model/index.js';
