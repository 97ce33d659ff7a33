export * from './verify-cli.js';
