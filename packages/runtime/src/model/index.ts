export * from './backbone-session.js';
export * from './mule-model.js';
export { checkWaveform } from './waveform-input.js';
