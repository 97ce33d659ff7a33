export { decodeWithFfmpeg, findFfmpeg, ffmpegArguments, ffmpegMissingError, FFMPEG_ENV_VAR, type DecodedAudio, type FfmpegDecodeOptions } from './ffmpeg-decode.js';
export { loadAudio, resolveDecoder, type AudioDecoder, type AudioParams, type LoadAudioOptions, type LoadedAudio } from './load-audio.js';
