export * from './convert-bench.js';
export * from './runtime-bench.js';
export * from './backbone-flops.js';
export * from './matmul-reference.js';
export * from './measure.js';
export * from './embed-bench.js';
export * from './soak-bench.js';
export * from './operator-profile.js';
