export { embedCatalogue, defaultJobs, type CatalogueOptions, type CatalogueOutputKind, type CatalogueProgress, type CatalogueSummary } from './embed-catalogue.js';
export { shardOf, inShard, type Shard } from './shard.js';
export { checkInputsExist } from './output-guard.js';
export { indexPathFor } from './npy-rows-output.js';
