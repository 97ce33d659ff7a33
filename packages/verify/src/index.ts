export * from './compare/index.js';
