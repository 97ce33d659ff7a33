export * from './backbone-session.js';
export * from './mule-model.js';
export { checkWaveform } from './waveform-input.js';
export { prepareClip, type PreparedClip } from './prepare-clip.js';
