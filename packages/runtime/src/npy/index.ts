export { writeNpyFloat32 } from './npy-file.js';
