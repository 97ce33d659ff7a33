export * from './compare/index.js';
export * from './npy/index.js';
export * from './runners/index.js';
export * from './parity/index.js';
export * from './report/index.js';
export * from './gate/index.js';
export { VERIFY_TOOL } from './version.js';
export * from './verification/index.js';
