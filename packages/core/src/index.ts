export * from './errors/index.js';
export * from './spec/index.js';
export * from './artifacts/index.js';
export * from './safetensors/index.js';
export * from './frontend/index.js';
export * from './audio/index.js';
export { NPY_HEADER_BYTES, npyFloat32Header, encodeNpyFloat32, decodeNpy, encodeNpy, ndarray, toNumbers, type NDArray, type NDData } from './npy/index.js';
