export * from './file-names.js';
export * from './manifest.js';
export * from './model-config.js';
