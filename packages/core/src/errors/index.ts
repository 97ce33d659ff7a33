export * from './mule-error.js';
