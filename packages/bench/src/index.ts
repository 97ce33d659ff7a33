export * from './convert-bench.js';
export * from './measure.js';
