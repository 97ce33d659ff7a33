export * from './dtypes.js';
export * from './tensor-layout.js';
export * from './parse-header.js';
export * from './serialize-header.js';
export * from './safetensors-bytes.js';
