export * from './test-signal.js';
export * from './read-audio.js';
export * from './candidate-pipeline.js';
export * from './stage-result.js';
export * from './judge-stage.js';
export * from './run-parity.js';
