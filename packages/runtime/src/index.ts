export * from './spec/index.js';
export * from './errors/index.js';
