export * from './npy-codec.js';
export * from './npy-float32.js';
