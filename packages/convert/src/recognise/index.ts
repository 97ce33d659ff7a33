export { recogniseSfNfNet } from './walk-sfnfnet.js';
export type { RecognisedBlock, RecognisedConv, RecognisedFusion, RecognisedModel } from './walk-sfnfnet.js';
export { buildCanonicalCheckpoint } from './canonical-checkpoint.js';
export type { CanonicalCheckpoint, CheckpointTensor } from './canonical-checkpoint.js';
