export * from './npy-files.js';
export { decodeNpy, encodeNpy, ndarray, toNumbers, type NDArray, type NDData } from '@mule-ts/core';
