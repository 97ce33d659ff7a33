export * from './find-python.js';
export * from './paths.js';
export * from './seeded-random.js';
export * from './sha256-of-file.js';
export * from './pcm16-wav.js';
export * from './upstream-ffmpeg.js';
export * from './array-agreement.js';
