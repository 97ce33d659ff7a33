export * from './find-python.js';
export * from './paths.js';
export * from './seeded-random.js';
