export * from './frontend-params.js';
export { periodicHann, centredHannWindow } from './hann-window.js';
export { reflectIndex, reflectPad } from './reflect-pad.js';
export { melFilterbank, fftFrequencies, melFrequencies, hzToMelHtk, melToHzHtk, type MelFilterbank } from './mel-filterbank.js';
export { StftPowerFrames } from './stft-power.js';
export { logMelSpectrogram, LOG_MEL_NON_FINITE_VALUE, type LogMelSpectrogram } from './log-mel.js';
export { sliceCentres, extractSlices, type MelSlices, type ExtractSlicesOptions, type ShortClipMode } from './slicer.js';
export { prepareClip, type PreparedClip } from './prepare-clip.js';
export { prepareClipInParts, type ClipInParts, type ClipInPartsOptions } from './prepare-clip-in-parts.js';
