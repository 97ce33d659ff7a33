export * from './npy-format.js';
