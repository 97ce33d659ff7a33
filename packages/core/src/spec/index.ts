export * from './sfnfnet-spec.js';
export * from './canonical-names.js';
