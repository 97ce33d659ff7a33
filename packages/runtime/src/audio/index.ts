export { decodeWithFfmpeg, findFfmpeg, ffmpegInvocation, ffmpegMissingError, FFMPEG_ENV_VAR, UPSTREAM_FORMATS, type DecodedAudio, type FfmpegDecodeOptions, type FfmpegInvocation } from './ffmpeg-decode.js';
export { decodeAudio, loadAudio, resolveDecoder, type DecodedFile, type AudioDecoder, type AudioParams, type LoadAudioOptions, type LoadedAudio } from './load-audio.js';
