export * from './format.js';
export * from './render-table.js';
export * from './render-markdown.js';
export * from './parity-json.js';
export * from './write-report.js';
export * from './closing-summary.js';
