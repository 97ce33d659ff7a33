/**
 * @mule-ts/runtime: MULE embeddings in Node from converted, verified artifacts.
 * @packageDocumentation
 */

// The model
export { MuleModel, RUNTIME_FILES, runtimeFiles, type EmbedFileOptions, type EmbedFileResult, type EmbedOptions, type EmbedResult, type MuleModelOptions } from './model/mule-model.js';
export type { BackboneSessionOptions, GraphOptimizationLevel } from './model/backbone-session.js';

// Audio files as upstream decodes them
export { loadAudio, resolveDecoder, type AudioDecoder, type AudioParams, type LoadAudioOptions, type LoadedAudio } from './audio/load-audio.js';
export { FFMPEG_ENV_VAR, decodeWithFfmpeg, findFfmpeg, type DecodedAudio, type FfmpegDecodeOptions } from './audio/ffmpeg-decode.js';

// Catalogues (what mule embed runs)
export {
  defaultJobs,
  embedCatalogue,
  type CatalogueOptions,
  type CatalogueOutputKind,
  type CatalogueProgress,
  type CatalogueSummary,
} from './catalogue/embed-catalogue.js';
export { inShard, shardOf, type Shard } from './catalogue/shard.js';
export { shardFromScheduler, type Environment, type SchedulerShard } from './catalogue/scheduler-shard.js';
export { readInputList } from './catalogue/input-list.js';
export { mergeShards, type MergeOptions, type MergeSummary } from './catalogue/merge-shards.js';
export { checkInputsExist } from './catalogue/output-guard.js';

// Artifacts directories on disk
export { readManifest, verifyManifest, type ManifestVerification } from './artifacts/artifacts-dir.js';
export { readModelConfig } from './artifacts/read-model-config.js';
export { sha256File } from './artifacts/file-digest.js';

// The error type every failure is, and the verification status of a loaded model
export { MuleError, isMuleError, type MuleErrorCode, type MuleErrorDetails, type VerificationStatus } from '@mule-ts/core';
