export { NPY_HEADER_BYTES, npyFloat32Header, encodeNpyFloat32, writeNpyFloat32 } from './npy-writer.js';
