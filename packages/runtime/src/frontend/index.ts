export * from './frontend-params.js';
