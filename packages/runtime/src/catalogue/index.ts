export { embedCatalogue, defaultJobs, type CatalogueOptions, type CatalogueOutputKind, type CatalogueProgress, type CatalogueSummary } from './embed-catalogue.js';
export { shardOf, inShard, type Shard } from './shard.js';
export { shardFromScheduler, type Environment, type SchedulerShard } from './scheduler-shard.js';
export { readInputList } from './input-list.js';
export { mergeShards, type MergeOptions, type MergeSummary } from './merge-shards.js';
export { checkInputsExist } from './output-guard.js';
export { indexPathFor } from './npy-rows-output.js';
