/** Writes 16-bit PCM WAV bytes (canonical 44-byte header, interleaved channels) for the audio tests. */
/** Interleaved channels of int16 samples at a rate (e.g. verify's generateTestSignal output). */
export interface Pcm16Audio {
  channels: ReadonlyArray<ArrayLike<number>>;
  sampleRate: number;
}

export function encodePcm16Wav(audio: Pcm16Audio): Uint8Array {
  const channels = audio.channels.length;
  const frames = audio.channels[0]?.length ?? 0;
  const dataBytes = frames * channels * 2;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  const text = (at: number, s: string): void => {
    for (let i = 0; i < s.length; i++) bytes[at + i] = s.charCodeAt(i);
  };
  text(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, channels, true);
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) view.setInt16(44 + 2 * (i * channels + c), audio.channels[c]![i]!, true);
  }
  return bytes;
}
