/**
 * What the repository's own tools (the benchmarks) use beyond the public API. Reachable only
 * through the development-only `./internal` export (its one condition is `source`); never published.
 */
export {
  BackboneSession,
  POINTWISE_CONV_CHANNEL_BATCH,
  ortSessionOptions,
  resolveBackboneSessionSettings,
  type BackboneSessionSettings,
} from './model/backbone-session.js';
export { ffmpegMissingError } from './audio/ffmpeg-decode.js';
export { FrontEndPool } from './catalogue/front-end-pool.js';
export { runEmbedPipeline, type PipelineTimes } from './catalogue/embed-pipeline.js';
