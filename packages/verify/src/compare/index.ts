export * from './array-metrics.js';
export * from './thresholds.js';
