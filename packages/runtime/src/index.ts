export * from './artifacts/index.js';
export * from './model/index.js';
export * from './audio/index.js';
export * from './npy/index.js';
export * from './catalogue/index.js';
