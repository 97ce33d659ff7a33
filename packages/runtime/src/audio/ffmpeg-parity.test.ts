/**
 * Decoding against Debian's ffmpeg on real generated files. The reference for each file is
 * ffmpeg's own raw s16le output at 44.1 kHz (upstream's decode), mixed here with the formula
 * (int16 / 65536, channels summed) straight from the raw bytes: it shares no code with the WAV
 * reader, the streaming WAV parser or the mixer under test.
 */
import { MULE_DECODING, MULE_FRONT_END, MuleError, mp3DeclaredLength, readWavPcm16 } from '@mule-ts/core';
import { execFile } from 'node:child_process';
import { mkdir, readFile, symlink, truncate, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir, upstreamFfmpegMono } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWithFfmpeg, findFfmpeg } from './ffmpeg-decode.js';
import { loadAudio } from './load-audio.js';

const run = promisify(execFile);
const ffmpeg = findFfmpeg();
if (!ffmpeg) console.warn('skipping the ffmpeg parity tests: ffmpeg is not on PATH (apt-get install ffmpeg)');

async function ff(...args: string[]): Promise<void> {
  await run(ffmpeg!, ['-nostdin', '-v', 'error', '-y', ...args], { maxBuffer: 1 << 20 });
}

const referenceMono = (file: string, channels: number): Float64Array => upstreamFfmpegMono(ffmpeg!, file, channels);

/** How many distinct values the 8 bits just below the kept 16 take over the file's samples. */
function distinctDiscardedBytes(bytes: Buffer, name: string): number {
  const at = bytes.indexOf('data') + 8;
  const values = new Set<number>();
  const fraction = (v: number): number => Math.floor((((v * 32768) % 1) + 1) % 1 * 256);
  if (name.includes('s24')) for (let i = at; i + 3 <= bytes.length; i += 3) values.add(bytes[i]!);
  else if (name.includes('s32')) for (let i = at; i + 4 <= bytes.length; i += 4) values.add(bytes[i + 1]!);
  else if (name.includes('f32')) for (let i = at; i + 4 <= bytes.length; i += 4) values.add(fraction(bytes.readFloatLE(i)));
  else for (let i = at; i + 8 <= bytes.length; i += 8) values.add(fraction(bytes.readDoubleLE(i)));
  return values.size;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.skipIf(!ffmpeg)('decoding against Debian ffmpeg', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  const path = (name: string): string => join(tmp.dir, name);

  beforeAll(async () => {
    tmp = await makeTempDir('mule-ffmpeg-parity-');
    await mkdir(tmp.dir, { recursive: true });
    // a 2.3 s stereo source of full-precision float samples (aevalsrc computes in double; sources
    // such as sine or amerge would pass through s16 and make the 24/32-bit and float cases trivial)
    await ff('-f', 'lavfi', '-i', 'aevalsrc=0.6*sin(2*PI*440*t)+0.3*(2*random(0)-1)|0.45*sin(2*PI*97*t)+0.45*(2*random(1)-1):s=44100:d=2.3', '-c:a', 'pcm_f32le', path('src-f32.wav'));
    for (const [name, codec] of [['u8', 'pcm_u8'], ['s16', 'pcm_s16le'], ['s24', 'pcm_s24le'], ['s32', 'pcm_s32le'], ['f64', 'pcm_f64le']] as const) {
      await ff('-i', path('src-f32.wav'), '-c:a', codec, path(`stereo-${name}.wav`));
    }
    await ff('-i', path('src-f32.wav'), '-ac', '1', '-c:a', 'pcm_s16le', path('mono-s16.wav'));
    await ff('-f', 'lavfi', '-i', 'anoisesrc=d=1.2:c=white:r=44100:a=0.4:seed=3', '-af', 'pan=5.1|c0=c0|c1=0.5*c0|c2=-0.3*c0|c3=0.2*c0|c4=0.7*c0|c5=0.9*c0', '-c:a', 'pcm_s16le', path('surround-51.wav'));
    for (const rate of [22050, 48000]) await ff('-i', path('src-f32.wav'), '-ar', String(rate), '-c:a', 'pcm_s16le', path(`stereo-${rate}.wav`));
    await ff('-i', path('src-f32.wav'), '-c:a', 'libmp3lame', '-b:a', '128k', path('stereo.mp3'));
  });
  afterAll(async () => {
    await tmp?.cleanup();
  });

  const formats44k: Array<[string, number]> = [
    ['stereo-u8.wav', 2], ['stereo-s16.wav', 2], ['stereo-s24.wav', 2], ['stereo-s32.wav', 2], ['src-f32.wav', 2], ['stereo-f64.wav', 2], ['mono-s16.wav', 1], ['surround-51.wav', 6],
  ];
  it.each(formats44k)('44.1 kHz %s: the WAV reader and the ffmpeg path both give exactly ffmpeg\'s samples', async (name, channels) => {
    const reference = referenceMono(path(name), channels);
    const viaWav = await loadAudio(path(name), MULE_FRONT_END, { decoder: 'wav', keepDecoded: true });
    const viaFfmpeg = await loadAudio(path(name), MULE_FRONT_END, { decoder: 'ffmpeg', keepDecoded: true });
    // the source must carry bits below the 16 kept, or truncation vs rounding would go untested
    if (/s24|s32|f32|f64/.test(name)) expect(distinctDiscardedBytes(await readFile(path(name)), name)).toBeGreaterThan(200);
    expect(viaWav.channelCount).toBe(channels);
    expect(viaFfmpeg.channelCount).toBe(channels);
    expect(maxAbsDiff(viaWav.decoded!, reference)).toBe(0);
    expect(maxAbsDiff(viaFfmpeg.decoded!, reference)).toBe(0);
    expect(maxAbsDiff(viaWav.waveform16k, viaFfmpeg.waveform16k)).toBe(0);
    expect(viaWav.waveform16k.length).toBe(Math.ceil((reference.length * 16000) / 44100));
  });

  it.each([22050, 48000])('%i Hz: ffmpeg path = ffmpeg at 44.1 kHz; the WAV path resamples directly (documented difference, measured)', async (rate) => {
    const file = path(`stereo-${rate}.wav`);
    const reference = referenceMono(file, 2);
    const viaFfmpeg = await loadAudio(file, MULE_FRONT_END, { decoder: 'ffmpeg', keepDecoded: true });
    expect(viaFfmpeg.decodedSampleRate).toBe(44100);
    expect(maxAbsDiff(viaFfmpeg.decoded!, reference)).toBe(0);
    const viaWav = await loadAudio(file, MULE_FRONT_END, { decoder: 'wav', keepDecoded: true });
    expect(viaWav.decodedSampleRate).toBe(rate);
    const n = viaWav.decoded!.length;
    expect(viaWav.waveform16k.length).toBe(Math.ceil((n * 16000) / rate));
    // compare away from the ends (the two paths' filters see different edges)
    const len = Math.min(viaWav.waveform16k.length, viaFfmpeg.waveform16k.length);
    const inner = (x: Float32Array): Float32Array => x.subarray(800, len - 800);
    const diff = maxAbsDiff(inner(viaWav.waveform16k), inner(viaFfmpeg.waveform16k));
    console.log(`${rate} Hz stereo WAV: |WAV path - ffmpeg path| at 16 kHz, max over the inner samples = ${diff.toExponential(2)} (white noise + tone, peak ~0.9 per channel)`);
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(1e-2);
  });

  it('an mp3 made by ffmpeg: the ffmpeg path gives exactly ffmpeg\'s samples; the WAV reader refuses it clearly', async () => {
    const file = path('stereo.mp3');
    const reference = referenceMono(file, 2);
    const decoded = await decodeWithFfmpeg(file, MULE_DECODING);
    expect(decoded.channelCount).toBe(2);
    expect(maxAbsDiff(decoded.samples, reference)).toBe(0);
    await expect(loadAudio(file, MULE_FRONT_END, { decoder: 'wav' })).rejects.toThrow(/stereo\.mp3: not a WAV file/);
  });

  it.each([
    ['mono, 64 kb/s, 1.3 s', 1, '64k', 1.3],
    ['stereo, 128 kb/s, 4.7 s', 2, '128k', 4.7],
    ['stereo, 320 kb/s, 33 s', 2, '320k', 33],
    ['mono, 96 kb/s at 22.05 kHz, 9 s', 1, '96k', 9],
  ] as const)('an mp3 (%s) decodes to exactly the samples of upstream\'s command line, which keeps the padding a read by path trims', async (_name, channels, bitrate, seconds) => {
    const file = path(`mp3-${channels}-${bitrate}-${seconds}.mp3`);
    const rate = _name.includes('22.05') ? '22050' : '44100';
    await ff('-f', 'lavfi', '-i', `aevalsrc=0.5*sin(2*PI*220*t)+0.2*(2*random(0)-1):s=${rate}:d=${seconds}`, '-ac', String(channels), '-c:a', 'libmp3lame', '-b:a', bitrate, file);
    const reference = referenceMono(file, channels);
    const decoded = await decodeWithFfmpeg(file, MULE_DECODING);
    expect(decoded.channelCount).toBe(channels);
    expect(decoded.samples.length).toBe(reference.length);
    expect(maxAbsDiff(decoded.samples, reference)).toBe(0);
    const { stdout: byPath } = await run(ffmpeg!, ['-nostdin', '-v', 'error', '-i', file, '-f', 's16le', '-acodec', 'pcm_s16le', '-ar', '44100', 'pipe:1'], { encoding: 'buffer', maxBuffer: 1 << 28 });
    const byPathFrames = byPath.length / (2 * channels);
    console.log(`${_name}: ${reference.length} samples as upstream decodes it, ${byPathFrames} read by path`);
    expect(byPathFrames).toBeLessThan(reference.length);
    // a whole file is not reported as shorter than its header declares
    expect((await loadAudio(file, MULE_FRONT_END, { decoder: 'ffmpeg' })).warnings).toEqual([]);
  });

  it('an mp3 cut off (30% of its bytes) decodes what is there, with a warning that it is shorter than it declares', async () => {
    const full = path('stereo.mp3');
    const cut = path('cut.mp3');
    const bytes = await readFile(full);
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.3)));
    const whole = await loadAudio(full, MULE_FRONT_END, { decoder: 'ffmpeg' });
    expect(whole.warnings).toEqual([]);
    const partial = await loadAudio(cut, MULE_FRONT_END, { decoder: 'ffmpeg' });
    expect(partial.seconds).toBeLessThan(whole.seconds * 0.4);
    expect(partial.warnings).toHaveLength(1);
    expect(partial.warnings[0]).toMatch(/cut\.mp3: shorter than it declares: its mp3 header says 2\.\d\d s, 0\.\d\d s decoded \(the file is incomplete\)/);
    const declared = mp3DeclaredLength(bytes);
    expect(declared).toMatchObject({ sampleRate: 44_100, samplesPerFrame: 1152 });
    expect(Math.abs(declared!.seconds - 2.3)).toBeLessThan(0.1); // the 2.3 s source, plus the encoder's frames
  });

  it('a truncated WAV: both paths decode the whole frames present, identically', async () => {
    const file = path('truncated.wav');
    const original = await readFile(path('stereo-s16.wav'));
    await writeFile(file, original);
    const size = (await stat(file)).size;
    const dataStart = original.indexOf('data') + 8;
    await truncate(file, size - 10001); // cuts mid-frame
    const viaWav = await loadAudio(file, MULE_FRONT_END, { decoder: 'wav', keepDecoded: true });
    const viaFfmpeg = await loadAudio(file, MULE_FRONT_END, { decoder: 'ffmpeg', keepDecoded: true });
    expect(viaWav.warnings.join()).toMatch(/truncated\.wav.*shorter than its header/);
    expect(viaFfmpeg.warnings.join()).toMatch(/truncated\.wav: shorter than it declares: its WAV header says 2\.30 s, the file holds 2\.24 s/);
    const whole = await loadAudio(path('stereo-s16.wav'), MULE_FRONT_END, { decoder: 'ffmpeg' });
    expect(whole.warnings).toEqual([]);
    expect(viaWav.decoded!.length).toBe(Math.floor((size - 10001 - dataStart) / 4));
    expect(maxAbsDiff(viaWav.decoded!, viaFfmpeg.decoded!)).toBe(0);
  });

  it('silence decodes to exact zeros; 1.5 s and 2.5 s files keep their length', async () => {
    await ff('-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=stereo', '-t', '1.5', '-c:a', 'pcm_s16le', path('silence-1.5s.wav'));
    await ff('-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=44100', '-t', '2.5', '-c:a', 'pcm_s16le', path('tone-2.5s.wav'));
    const silence = await loadAudio(path('silence-1.5s.wav'), MULE_FRONT_END, { decoder: 'ffmpeg', keepDecoded: true });
    expect(silence.decoded!.length).toBe(66150);
    expect(silence.decoded!.every((v) => v === 0)).toBe(true);
    expect(silence.waveform16k.length).toBe(24000);
    const tone = await loadAudio(path('tone-2.5s.wav'), MULE_FRONT_END, { decoder: 'ffmpeg' });
    expect(tone.waveform16k.length).toBe(40000);
    expect(tone.seconds).toBe(2.5);
  });

  it('a 31-minute file is cut at 30 minutes by both paths', async () => {
    // 31 minutes of 8 kHz 8-bit mono (15 MB) keeps the test cheap; ffmpeg upsamples it to 44.1 kHz
    const file = path('long-31min.wav');
    await ff('-f', 'lavfi', '-i', 'sine=frequency=50:sample_rate=8000', '-t', '1860', '-c:a', 'pcm_u8', file);
    const wav = readWavPcm16(await readFile(file), file, 1800);
    expect(wav.frames).toBe(1800 * 8000);
    const decoded = await decodeWithFfmpeg(file, MULE_DECODING);
    expect(decoded.samples.length).toBe(1800 * 44100);
  });

  it('a non-audio file and an unreadable path are clear errors naming the file', async () => {
    const notAudio = path('notes.wav');
    await writeFile(notAudio, 'these are my notes, not audio\n'.repeat(20));
    await expect(loadAudio(notAudio, MULE_FRONT_END, { decoder: 'ffmpeg' })).rejects.toThrow(/notes\.wav: ffmpeg could not decode it/);
    // the same file gives the same message every run: no memory addresses from ffmpeg ([wav @ 0x55...])
    const messages = await Promise.all([0, 1].map(() => loadAudio(notAudio, MULE_FRONT_END, { decoder: 'ffmpeg' }).catch((e: Error) => e.message)));
    expect(messages[0]).toBe(messages[1]);
    expect(messages[0]).not.toMatch(/@ 0x/);
    await expect(loadAudio(notAudio, MULE_FRONT_END, { decoder: 'wav' })).rejects.toThrow(/notes\.wav: not a WAV file/);
    const missing = path('missing.wav');
    const err = await loadAudio(missing, MULE_FRONT_END).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MuleError);
    expect((err as MuleError).code).toBe('IO');
    expect((err as MuleError).message).toMatch(/missing\.wav: no such file/);
    await expect(loadAudio(tmp.dir, MULE_FRONT_END, { decoder: 'ffmpeg' })).rejects.toThrow(new RegExp(`${tmp.dir.replace(/[/.]/g, '\\$&')}`));
    // what went wrong, in our words first (ffmpeg's own words follow for the record)
    await writeFile(path('empty.wav'), new Uint8Array(0));
    await expect(loadAudio(path('empty.wav'), MULE_FRONT_END)).rejects.toThrow(/empty\.wav: the file is empty \(0 bytes\)$/);
    await writeFile(path('random.mp3'), Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) % 251));
    await expect(loadAudio(path('random.mp3'), MULE_FRONT_END, { decoder: 'ffmpeg' })).rejects.toThrow(/random\.mp3: ffmpeg could not decode it as mp3 \(exit \d+\): the file is damaged or is not mp3 audio; ffmpeg said: /);
    await symlink('loop-b', path('loop-a'));
    await symlink('loop-a', path('loop-b'));
    await expect(loadAudio(path('loop-a'), MULE_FRONT_END)).rejects.toThrow(/loop-a: a symbolic link loop$/);
  });

  it('a missing ffmpeg is a clear error saying how to install it or use WAV input', async () => {
    await expect(decodeWithFfmpeg(path('mono-s16.wav'), MULE_DECODING, { ffmpegPath: '/nonexistent/ffmpeg' })).rejects.toThrow(/ffmpeg was not found at "\/nonexistent\/ffmpeg": install it.*--decoder wav/);
  });
});
