import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Upstream's decoded signal from upstream's own command line (mule `AudioFile`), run here: the
 * file's bytes into `ffmpeg -loglevel panic -t 1800 -f mp3|wav -i pipe:0 -map_metadata -1 -vn
 * -acodec pcm_s16le -ar 44100 -f wav pipe:1`, the samples after the first 'data' tag, then
 * Σ_c int16 / 65536. An independent check of the runtime's decoder.
 */
export function upstreamFfmpegMono(ffmpeg: string, file: string, channels: number): Float64Array {
  const format = file.toLowerCase().endsWith('.mp3') ? 'mp3' : 'wav';
  const args = `-loglevel panic -t 1800 -f ${format} -i pipe:0 -map_metadata -1 -vn -acodec pcm_s16le -ar 44100 -f wav pipe:1`.split(' ');
  const { stdout, status } = spawnSync(ffmpeg, args, { input: readFileSync(file), maxBuffer: 1 << 30 });
  if (status !== 0) throw new Error(`upstream's ffmpeg command failed on ${file} (exit ${status})`);
  const dataStart = stdout.subarray(0, 10_000).indexOf('data') + 8;
  const frames = Math.floor((stdout.length - dataStart) / (2 * channels));
  const out = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += stdout.readInt16LE(dataStart + 2 * (f * channels + c));
    out[f] = s / 65536;
  }
  return out;
}
