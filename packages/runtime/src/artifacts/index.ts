export * from './file-digest.js';
export * from './artifacts-dir.js';
export * from './read-model-config.js';
