export * from './types.js';
export * from './reference-paths.js';
export * from './reference-protocol.js';
export * from './find-python.js';
export * from './subprocess-runner.js';
export * from './pyodide-runner.js';
export * from './create-runner.js';
