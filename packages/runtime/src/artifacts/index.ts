export * from './sha256-file.js';
export * from './manifest.js';
