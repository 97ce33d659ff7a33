export * from './staged-output.js';
export * from './write-file-atomic.js';
export * from './write-staged-file.js';
