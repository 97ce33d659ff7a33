/**
 * `mule embed` end to end, run as users run it (the bin shim in a child process) on real files
 * generated with Debian's ffmpeg and artifacts converted from the small generated model.
 *
 * Independent checks: the decoded signal against upstream's own ffmpeg command line run here
 * (bytes through stdin, format forced) mixed with the upstream formula; the 16 kHz waveform, mel and slices against the Python reference
 * (`python -m mule_reference resample|mel|slices`, float64, its own resampler); the embeddings
 * against `MuleModel.embed` on the reference's waveform.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { decodeNpy, toNumbers, type NDArray } from '@mule-ts/core';
import { findFfmpeg, MuleModel, shardOf } from '@mule-ts/runtime';
import { describePythonLookup, findPython, makeTempDir, upstreamFfmpegMono } from '@mule-ts/test-utils';
import { REFERENCE_PYTHON_DIR } from '@mule-ts/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifiedArtifacts } from '../__fixtures__/verified-artifacts.js';

const readNpy = async (file: string): Promise<NDArray> => decodeNpy(await readFile(file), file);
/** Where a directory output keeps a file's array: its path mirrored under the directory, `..` as `__`. */
const mirroredNpy = (dir: string, file: string): string =>
  join(dir, `${file.split(/[\\/]+/).filter((p) => p !== '' && p !== '.').map((p) => (p === '..' ? '__' : p)).join('/')}.npy`);

const run = promisify(execFile);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const MULE_BIN = join(REPO_ROOT, 'packages/cli/bin/mule.js');
const ffmpeg = findFfmpeg();
const lookup = findPython(['numpy']);
if (!ffmpeg) console.warn('skipping the mule embed tests: ffmpeg is not on PATH (apt-get install ffmpeg)');
if (!lookup.python) console.warn(`skipping the reference comparisons of mule embed: no python3 with numpy (${describePythonLookup(lookup)})`);

/** Set once the test's artifacts exist (see verifiedArtifacts). */
let flagsForArtifacts: string[] = [];

interface CliRun {
  code: number;
  stderr: string;
}

function mule(args: string[], cwd = REPO_ROOT, extraFlags: string[] = flagsForArtifacts, env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [MULE_BIN, 'embed', ...args, ...extraFlags, '--progress', 'lines'], { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stderr }));
  });
}

async function ff(...args: string[]): Promise<void> {
  await run(ffmpeg!, ['-nostdin', '-v', 'error', '-y', ...args]);
}

async function reference(stage: 'resample' | 'mel' | 'slices', args: string[], out: string): Promise<Record<string, NDArray>> {
  await run(lookup.python!, ['-m', 'mule_reference', stage, ...args, '--out', out], { env: { ...process.env, PYTHONPATH: REFERENCE_PYTHON_DIR }, maxBuffer: 1 << 24 });
  const arrays: Record<string, NDArray> = {};
  for (const f of await readdir(out)) if (f.endsWith('.npy')) arrays[f.slice(0, -4)] = await readNpy(join(out, f));
  return arrays;
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

interface EmbedIndex {
  shape: [number, number];
  rows: Array<{ row: number; file: string; slices: number; seconds: number; warnings?: string[] }>;
  failed: Array<{ file: string; error: string }>;
}

async function readOutput(out: string): Promise<{ rows: Float32Array[]; index: EmbedIndex }> {
  const npy = await readNpy(out);
  const index = JSON.parse(await readFile(out.replace(/\.npy$/, '.index.json'), 'utf8')) as EmbedIndex;
  const [n, d] = npy.shape as [number, number];
  expect(index.shape).toEqual([n, d]);
  const data = npy.data as Float32Array;
  return { rows: Array.from({ length: n }, (_, i) => data.subarray(i * d, (i + 1) * d)), index };
}

describe.skipIf(!ffmpeg)('mule embed (small converted fixture)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let art: string;
  const path = (...parts: string[]): string => join(tmp.dir, ...parts);

  beforeAll(async () => {
    tmp = await makeTempDir('mule-embed-cli-');
    await writeKerasFixture({ size: 'small', seed: 1, out: path('small.keras') });
    art = path('art');
    flagsForArtifacts = (await verifiedArtifacts(path('small.keras'), art)).embedFlags;
  });
  afterAll(async () => {
    await tmp?.cleanup();
  });

  it.skipIf(!lookup.python)('a 7 s stereo wav and its mp3: decoded, 16 kHz waveform, mel and slices match the reference; rows in argument order', async () => {
    await ff('-f', 'lavfi', '-i', 'sine=frequency=330:duration=7:sample_rate=44100', '-f', 'lavfi', '-i', 'anoisesrc=d=7:c=pink:r=44100:a=0.5:seed=11',
      '-filter_complex', '[0][1]amerge=inputs=2', '-c:a', 'pcm_s16le', path('seven.wav'));
    await ff('-i', path('seven.wav'), '-c:a', 'libmp3lame', '-b:a', '192k', path('seven.mp3'));
    const out = path('seven.npy');
    const r = await mule([path('seven.mp3'), path('seven.wav'), '--model', art, '--out', out, '--dump-stages', path('stages'), '--jobs', '1']);
    expect(r.code, r.stderr).toBe(0);
    const { rows, index } = await readOutput(out);
    expect(index.rows.map((x) => x.file)).toEqual([path('seven.mp3'), path('seven.wav')]);

    const model = await MuleModel.load(art, { requireVerified: flagsForArtifacts.length === 0 });
    try {
      for (const [i, name] of ['seven.mp3', 'seven.wav'].entries()) {
        const stages = join(path('stages'), tmp.dir, name);
        const decoded = toNumbers(await readNpy(join(stages, 'decoded-44100hz-mono.npy')));
        const expectedDecoded = upstreamFfmpegMono(ffmpeg!, path(name), 2);
        expect(maxAbs(decoded, expectedDecoded)).toBe(0);

        const refWave = await reference('resample', ['--waveform', join(stages, 'decoded-44100hz-mono.npy'), '--sr', '44100'], path('ref', name, 'resample'));
        const wave = toNumbers(await readNpy(join(stages, 'waveform-16k.npy')));
        const waveDiff = maxAbs(wave, toNumbers(refWave.waveform_16k!));
        const refMel = await reference('mel', ['--waveform', join(stages, 'waveform-16k.npy')], path('ref', name, 'mel'));
        const mel = await readNpy(join(stages, 'mel.npy'));
        expect(mel.shape).toEqual(refMel.mel!.shape);
        const melDiff = maxAbs(toNumbers(mel), toNumbers(refMel.mel!));
        const refSlices = await reference('slices', ['--mel', join(stages, 'mel.npy')], path('ref', name, 'slices'));
        const slices = await readNpy(join(stages, 'slices.npy'));
        expect(slices.shape).toEqual(refSlices.slices!.shape);
        const sliceDiff = maxAbs(toNumbers(slices), toNumbers(refSlices.slices!));
        console.log(`${name}: max-abs vs reference: waveform ${waveDiff.toExponential(2)}, mel ${melDiff.toExponential(2)}, slices ${sliceDiff.toExponential(2)}`);
        expect(waveDiff).toBeLessThanOrEqual(1e-6);
        expect(melDiff).toBeLessThanOrEqual(5e-6); // measured ~2.5e-7: float32 rounding of the log-mel
        expect(sliceDiff).toBeLessThanOrEqual(1e-5);

        // the row equals the runtime's embed of the reference's own 16 kHz waveform
        const direct = await model.embed(Float32Array.from(toNumbers(refWave.waveform_16k!)));
        expect(maxAbs(rows[i]!, direct.embedding!)).toBeLessThan(1e-4);

        // embedFile: the same pipeline in-process, with the stages and what was decoded
        const viaFile = await model.embedFile(path(name), { returnStages: true });
        expect(viaFile.audio).toMatchObject({ decoder: 'ffmpeg', decodedSampleRate: 44100, channelCount: 2 });
        expect(maxAbs(viaFile.decoded!, expectedDecoded)).toBe(0);
        expect(maxAbs(viaFile.embedding!, rows[i]!)).toBeLessThan(1e-5);
      }
    } finally {
      await model.close();
    }
  });


  it('a long file goes through the backbone in parts while its front-end runs: the same timeline as embedFile of the whole file', async () => {
    // 95 s: 46 slices in parts of 4 (the batch size), past upstream's first 8000-frame chunk
    await ff('-f', 'lavfi', '-i', 'anoisesrc=d=95:c=pink:r=44100:a=0.4:seed=5', '-f', 'lavfi', '-i', 'sine=frequency=220:duration=95:sample_rate=44100',
      '-filter_complex', '[0][1]amerge=inputs=2', '-c:a', 'libmp3lame', '-b:a', '160k', path('long.mp3'));
    const out = path('long-timeline/');
    const r = await mule([path('long.mp3'), '--model', art, '--out', out, '--batch-size', '4', '--jobs', '1', '--timeline']);
    expect(r.code, r.stderr).toBe(0);
    const timeline = await readNpy(mirroredNpy(out, path('long.mp3')));
    const model = await MuleModel.load(art, { requireVerified: flagsForArtifacts.length === 0 });
    try {
      const whole = await model.embedFile(path('long.mp3'));
      expect(whole.sliceCount).toBe(46);
      expect(timeline.shape).toEqual([46, whole.embeddingDim]);
      const diff = maxAbs(toNumbers(timeline), whole.timeline);
      console.log(`95 s in parts of 4 slices vs embedFile whole: max-abs ${diff.toExponential(2)} over the timeline`);
      expect(diff).toBeLessThan(1e-5); // the same slices bit for bit (core's test); only batch composition differs
      const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { files: Array<{ slices: number }> };
      expect(index.files[0]!.slices).toBe(46);
    } finally {
      await model.close();
    }
  });
  it('edge cases in one batch: each embeds as documented or is reported while the rest completes (exit 3)', async () => {
    const dir = path('edge');
    await mkdir(dir, { recursive: true });
    const src = ['-f', 'lavfi', '-i', 'anoisesrc=d=3.4:c=pink:r=44100:a=0.7:seed=5'];
    await ff(...src, '-ac', '1', '-c:a', 'pcm_s16le', join(dir, 'mono.wav'));
    await ff(...src, '-af', 'pan=5.1|c0=c0|c1=0.5*c0|c2=0.3*c0|c3=0.2*c0|c4=0.7*c0|c5=0.9*c0', '-c:a', 'pcm_s16le', join(dir, 'surround.wav'));
    await ff(...src, '-ac', '2', '-c:a', 'pcm_u8', join(dir, 'u8.wav'));
    await ff(...src, '-ac', '2', '-c:a', 'pcm_s24le', join(dir, 's24.wav'));
    await ff(...src, '-ac', '2', '-c:a', 'pcm_f32le', join(dir, 'f32.wav'));
    await ff(...src, '-ac', '2', '-ar', '22050', '-c:a', 'pcm_s16le', join(dir, 'r22050.wav'));
    await ff(...src, '-ac', '2', '-ar', '48000', '-c:a', 'pcm_s16le', join(dir, 'r48000.wav'));
    await ff('-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=stereo', '-t', '4', '-c:a', 'pcm_s16le', join(dir, 'silence.wav'));
    await ff(...src, '-t', '1.5', '-c:a', 'pcm_s16le', join(dir, 'short-1.5s.wav'));
    await ff(...src, '-t', '2.5', '-c:a', 'pcm_s16le', join(dir, 'short-2.5s.wav'));
    const full = await readFile(join(dir, 'mono.wav'));
    await writeFile(join(dir, 'truncated.wav'), full.subarray(0, full.length - 50_001));
    await writeFile(join(dir, 'not-audio.wav'), 'not audio\n'.repeat(100));

    const out = path('edge.npy');
    const r = await mule([dir, '--model', art, '--out', out, '--jobs', '1']);
    expect(r.code, r.stderr).toBe(3);
    const { rows, index } = await readOutput(out);
    const byName = new Map(index.rows.map((x) => [x.file.split('/').pop()!, { ...x, embedding: rows[x.row]! }]));
    expect([...byName.keys()].sort()).toEqual(['f32.wav', 'mono.wav', 'r22050.wav', 'r48000.wav', 's24.wav', 'short-1.5s.wav', 'short-2.5s.wav', 'silence.wav', 'surround.wav', 'truncated.wav', 'u8.wav']);
    expect(index.failed.map((f) => f.file)).toEqual([join(dir, 'not-audio.wav')]);
    expect(r.stderr).toMatch(/1 of 12 files failed and were skipped/);
    expect(r.stderr).toMatch(/not-audio\.wav: ffmpeg could not decode it/);
    // honest counts: the 1.5 s file was decoded but has no embedding, and the summary says so
    expect(r.stderr).toMatch(/1 files are too short to give a slice \(2 s or less, as upstream\) and have no embedding \(a NaN row, null in \.jsonl\):\n {2}.*short-1\.5s\.wav \(1\.50 s\)/);
    expect(r.stderr).toMatch(/^embedded 10 files \(.*\) in [\d.]+ s, 1 too short for a slice, 1 with warnings, 1 failed -> /m);
    // upstream gives no slice for a clip of 2 s or less (NaN row), one narrow slice for 2-3 s
    expect(byName.get('short-1.5s.wav')!.slices).toBe(0);
    expect(byName.get('short-1.5s.wav')!.embedding.every(Number.isNaN)).toBe(true);
    expect(byName.get('short-2.5s.wav')!.slices).toBe(1);
    // silence: every slice standardised with the 0.01 std floor, a finite embedding
    expect(byName.get('silence.wav')!.slices).toBe(2);
    for (const name of ['f32.wav', 'mono.wav', 'r22050.wav', 'r48000.wav', 's24.wav', 'short-2.5s.wav', 'silence.wav', 'surround.wav', 'truncated.wav', 'u8.wav']) {
      expect(byName.get(name)!.embedding.every(Number.isFinite), name).toBe(true);
    }
    expect(byName.get('truncated.wav')!.seconds).toBeLessThan(byName.get('mono.wav')!.seconds);
    // told what the audio was: the truncated file is flagged in the index and listed in the summary
    expect(byName.get('truncated.wav')!.warnings).toEqual([expect.stringMatching(/truncated\.wav: shorter than it declares: its WAV header says 3\.40 s/)]);
    expect(byName.get('mono.wav')!.warnings).toBeUndefined();
    expect(r.stderr).toMatch(/1 files were embedded with a warning about their audio \(flagged in the output\):\n {2}.*truncated\.wav: shorter than it declares/);
  });

  // about a minute on two cores (30 minutes of audio through the resampler and the front-end)
  it.skipIf(!process.env.MULE_SLOW_TESTS)('a 31-minute file embeds its first 30 minutes (set MULE_SLOW_TESTS=1)', async () => {
    const file = path('long-31min.flac');
    await ff('-f', 'lavfi', '-i', 'sine=frequency=220:sample_rate=44100', '-t', '1860', '-ac', '2', file);
    const out = path('long.npy');
    const r = await mule([file, '--model', art, '--out', out, '--jobs', '1']);
    expect(r.code, r.stderr).toBe(0);
    const { rows, index } = await readOutput(out);
    expect(index.rows[0]!.seconds).toBe(1800);
    // 180,001 mel frames: the 900 multiples of 200 in (0, 180001) minus the 22 chunk starts 8000 .. 176000
    expect(index.rows[0]!.slices).toBe(900 - 22);
    expect(rows[0]!.every(Number.isFinite)).toBe(true);
  }, 600_000);
  if (!process.env.MULE_SLOW_TESTS) console.warn('skipping the 31-minute mule embed test (MULE_SLOW_TESTS=1 runs it; the 30-minute cut itself is tested in runtime/src/audio/ffmpeg-parity.test.ts)');

  describe('a catalogue of 50 files', () => {
    let catalogue: string;
    let reference: { rows: Float32Array[]; index: EmbedIndex };

    beforeAll(async () => {
      catalogue = path('catalogue');
      for (let i = 0; i < 50; i++) {
        const sub = join(catalogue, `artist-${i % 7}`);
        await mkdir(sub, { recursive: true });
        const seconds = (3 + (i % 5) * 0.7).toFixed(1);
        const ext = i % 10 === 3 ? 'mp3' : i % 10 === 7 ? 'flac' : 'wav';
        await ff('-f', 'lavfi', '-i', `sine=frequency=${110 + 23 * i}:duration=${seconds}:sample_rate=44100`, '-ac', '2', join(sub, `track-${String(i).padStart(2, '0')}.${ext}`));
      }
      const r = await mule([catalogue, '--model', art, '--out', path('full.npy')]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/50\/50 files 100% .* files\/s .* audio-h\/s/);
      reference = await readOutput(path('full.npy'));
      expect(reference.rows.length).toBe(50);
    });

    const rowOf = (file: string): Float32Array => reference.rows[reference.index.rows.findIndex((r) => r.file === file)]!;

    /** What an output holds, whatever its format: the files in output order and each one's clip embedding. */
    async function embeddingsOf(out: string): Promise<{ files: string[]; rows: Float32Array[] }> {
      if (out.endsWith('.npy')) {
        const { rows, index } = await readOutput(out);
        return { files: index.rows.map((r) => r.file), rows };
      }
      if (out.endsWith('.jsonl')) {
        const records = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { file: string; embedding: number[] | null });
        return { files: records.map((r) => r.file), rows: records.map((r) => Float32Array.from(r.embedding ?? [])) };
      }
      const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { files: Array<{ file: string; npy: string }> };
      const rows = await Promise.all(index.files.map(async (f) => (await readNpy(f.npy)).data as Float32Array));
      return { files: index.files.map((f) => f.file), rows };
    }

    /** Starts mule embed on the catalogue and kills it (SIGKILL) once its journal holds `at` files. */
    async function killAt(out: string, journal: string, at: number, extra: string[]): Promise<number> {
      const child = spawn(process.execPath, [MULE_BIN, 'embed', catalogue, '--model', art, '--out', out, '--jobs', '1', '--progress', 'none', ...extra, ...flagsForArtifacts], { cwd: REPO_ROOT, stdio: 'ignore' });
      let done = 0;
      while (child.exitCode === null) {
        done = existsSync(journal) ? (await readFile(journal, 'utf8')).split('\n').filter(Boolean).length : 0;
        if (done >= at) {
          child.kill('SIGKILL');
          break;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      await new Promise((r) => child.once('close', r));
      return done;
    }

    it.each([
      ['.npy', 'killed.npy', 'killed.npy.progress.jsonl'],
      ['.jsonl', 'killed.jsonl', 'killed.jsonl.progress.jsonl'],
      ['directory', 'killed-dir/', 'killed-dir/progress.jsonl'],
    ])('%s output: killed (SIGKILL) at three points and resumed each time, it equals an uninterrupted run, bit for bit and in order', async (_kind, name, journalName) => {
      const out = path(name);
      const journal = path(journalName);
      const done: number[] = [];
      for (const [k, at] of [3, 17, 31].entries()) done.push(await killAt(out, journal, at, k === 0 ? [] : ['--resume']));
      expect(done[0]).toBeGreaterThanOrEqual(3);
      expect(done[2]).toBeLessThan(50);
      const again = await mule([catalogue, '--model', art, '--out', out]);
      expect(again.code).toBe(2);
      // the killed run's lock is taken over (and said so) before the earlier run is seen
      expect(again.stderr).toMatch(/warning: took over the lock of .* from a run that is gone \(pid \d+ on /);
      expect(again.stderr).toMatch(/holds an earlier run[\s\S]*pass --resume/);
      const resumed = await mule([catalogue, '--model', art, '--out', out, '--resume']);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stderr).toMatch(/resuming: \d+ of 50 files already done/);
      const { files, rows } = await embeddingsOf(out);
      expect(files).toEqual(reference.index.rows.map((r) => r.file));
      for (const [i, row] of rows.entries()) expect(Array.from(row), files[i]).toEqual(Array.from(reference.rows[i]!));
      console.log(`${name}: killed after ${done.join(', ')} journaled files, resumed to all 50, identical to the uninterrupted run`);
    });

    it('--limit then --resume (a planned interruption) completes the catalogue', async () => {
      const out = path('limited.jsonl');
      const first = await mule([catalogue, '--model', art, '--out', out, '--limit', '20', '--jobs', '0']);
      expect(first.code, first.stderr).toBe(0);
      expect((await readFile(out, 'utf8')).trim().split('\n').length).toBe(20);
      const rest = await mule([catalogue, '--model', art, '--out', out, '--resume', '--timeline']);
      expect(rest.code, rest.stderr).toBe(0);
      const records = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { file: string; embedding: number[]; timeline?: number[][] });
      expect(records.map((r) => r.file)).toEqual(reference.index.rows.map((r) => r.file));
      for (const rec of records) expect(maxAbs(rec.embedding, rowOf(rec.file))).toBeLessThan(1e-5);
      expect(records[0]!.timeline).toBeUndefined();
      expect(records[49]!.timeline!.length).toBeGreaterThan(0);
    });

    it('shards 2-way into disjoint outputs whose union is the whole', async () => {
      const outs = [path('shard-1/'), path('shard-2/')];
      for (const [i, out] of outs.entries()) {
        const r = await mule([catalogue, '--model', art, '--out', out, '--shard', `${i + 1}/2`]);
        expect(r.code, r.stderr).toBe(0);
      }
      const shards = await Promise.all(outs.map(async (o) => (JSON.parse(await readFile(join(o, 'index.json'), 'utf8')) as { files: Array<{ file: string; npy: string }> }).files));
      const [a, b] = shards.map((s) => s.map((f) => f.file)) as [string[], string[]];
      expect(a.length).toBeGreaterThan(10);
      expect(b.length).toBeGreaterThan(10);
      expect(a.filter((f) => b.includes(f))).toEqual([]);
      expect([...a, ...b].sort()).toEqual(reference.index.rows.map((r) => r.file).sort());
      for (const f of a) expect(shardOf(f, 2)).toBe(1);
      for (const [s, files] of shards.entries()) {
        for (const f of files) {
          expect(f.npy).toBe(mirroredNpy(outs[s]!.replace(/\/$/, ''), f.file));
          expect(maxAbs(toNumbers(await readNpy(f.npy)), rowOf(f.file))).toBeLessThan(1e-5);
        }
      }
    });

    it('--inputs LIST with --shard auto: three AWS Batch array tasks cover the list once; no scheduler is refused', async () => {
      // the list in another order than the walk, with a comment and a blank line
      const files = reference.index.rows.map((r) => r.file);
      const list = path('catalogue.txt');
      await writeFile(list, `# 50 tracks\n${files.slice().reverse().join('\n')}\n\n`);
      const seen: string[] = [];
      for (let task = 0; task < 3; task++) {
        const out = path(`aws-${task + 1}-of-3.jsonl`);
        const r = await mule(['--inputs', list, '--model', art, '--out', path('aws-{shard}.jsonl'), '--shard', 'auto'], REPO_ROOT, flagsForArtifacts, { AWS_BATCH_JOB_ARRAY_INDEX: String(task), AWS_BATCH_JOB_ARRAY_SIZE: '3' });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toContain(`shard ${task + 1}/3 from AWS Batch array job (AWS_BATCH_JOB_ARRAY_INDEX=${task}, AWS_BATCH_JOB_ARRAY_SIZE=3)`);
        const lines = (await readFile(out, 'utf8')).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { file: string; embedding: number[] });
        for (const line of lines) {
          expect(shardOf(line.file, 3)).toBe(task + 1);
          expect(maxAbs(line.embedding, rowOf(line.file))).toBeLessThan(1e-5);
        }
        seen.push(...lines.map((l) => l.file));
      }
      expect(seen.slice().sort()).toEqual(files.slice().sort());
      const none = await mule(['--inputs', list, '--model', art, '--out', path('none.jsonl'), '--shard', 'auto'], REPO_ROOT, flagsForArtifacts, { AWS_BATCH_JOB_ARRAY_INDEX: '', CLOUD_RUN_TASK_INDEX: '', JOB_COMPLETION_INDEX: '' });
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/--shard auto: no job scheduler found in the environment/);
      expect(existsSync(path('none.jsonl'))).toBe(false);
    });

    it('pnpm exec mule from the repository root (when the workspace bin link exists)', async (ctx) => {
      const link = join(REPO_ROOT, 'node_modules/.bin/mule');
      if (!existsSync(link)) {
        console.warn('skipping pnpm exec mule: node_modules/.bin/mule is missing (run pnpm install after adding the bin entry)');
        ctx.skip();
      }
      const files = reference.index.rows.slice(0, 3).map((r) => r.file);
      const out = path('pnpm-exec.npy');
      await run('pnpm', ['exec', 'mule', 'embed', ...files, '--model', art, '--out', out, '--progress', 'none', ...flagsForArtifacts], { cwd: REPO_ROOT });
      const { rows, index } = await readOutput(out);
      expect(index.rows.map((r) => r.file)).toEqual(files);
      for (const [i, f] of files.entries()) expect(maxAbs(rows[i]!, rowOf(f))).toBeLessThan(1e-5);
    });
  });
});
