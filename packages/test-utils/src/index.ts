export * from './find-python.js';
export * from './paths.js';
