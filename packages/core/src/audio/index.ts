export { kaiserSincFilter, kaiserSincHalfWindow, type KaiserSincFilter, type KaiserSincParams } from './kaiser-sinc-filter.js';
export { resample, resampleWithFilter, resampledLength } from './resample.js';
export { fixLength, librosaResampledLength, resampleForModel } from './resample-for-model.js';
export { readWavPcm16, parseWavHeader, convertToInt16, floatToInt16, type WavFormat, type WavHeader, type WavPcm16, type WavSampleFormat } from './wav-reader.js';
export { int16ToMono, Pcm16leMonoMixer } from './pcm-to-mono.js';
