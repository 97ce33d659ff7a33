/**
 * upstream_dump.py writes what readUpstreamDump reads. The genuine upstream code cannot run here
 * (no TensorFlow, no upstream packages, and it must not enter the project), so the script runs
 * against a stand-in checkout of our own (__fixtures__/stand-in-upstream: the module paths and
 * attributes the script touches, computing trivial stages). The script is also compiled by the
 * interpreter as a syntax check.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describePythonLookup, encodePcm16Wav, findPython, makeTempDir, mulberry32, sha256OfFile } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveThresholds } from '../compare/index.js';
import { REFERENCE_PYTHON_DIR } from '../runners/index.js';
import { VerifyInputError, verifyArtifacts } from '../verification/index.js';
import { readUpstreamDump } from './read-upstream-dump.js';

const SCRIPT = join(REFERENCE_PYTHON_DIR, 'upstream_dump.py');
const STAND_IN = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'stand-in-upstream');
const anyPython = findPython(['ast']);
const lookup = findPython(['numpy']);
if (!lookup.python) console.warn(`skipping the upstream_dump.py runs: no python3 with numpy (${describePythonLookup(lookup)})`);

function runScript(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(lookup.python!, [SCRIPT, '--upstream', STAND_IN, '--config', 'supporting_data/configs/stand-in.yml', ...args], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  return { status: r.status, stderr: r.stderr };
}

describe('upstream_dump.py', () => {
  it.skipIf(!anyPython.python)('compiles', () => {
    const r = spawnSync(anyPython.python!, ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])', SCRIPT], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe.skipIf(!lookup.python)('upstream_dump.py on a stand-in upstream checkout, read back by readUpstreamDump', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  const path = (...p: string[]): string => join(tmp.dir, ...p);
  const frames = 44_100 * 3;
  const left = new Int16Array(frames);
  const right = new Int16Array(frames);

  beforeAll(async () => {
    tmp = await makeTempDir('mule-upstream-dump-');
    const random = mulberry32(11);
    for (let i = 0; i < frames; i++) {
      left[i] = Math.round((random() * 2 - 1) * 20_000);
      right[i] = i % 2 === 0 ? -32768 : 32767; // the extremes survive the round trip
    }
    await writeFile(path('clip.wav'), encodePcm16Wav({ channels: [left, right], sampleRate: 44_100 }));
  });
  afterAll(() => tmp?.cleanup());

  it('with the model: every stage, the audio copied, its sha256, the model file and its sha256', async () => {
    const run = runScript(['--audio', path('clip.wav'), '--out', path('dump')]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const dump = await readUpstreamDump(path('dump'));
    expect(dump.layout).toBe('manifest');
    expect(Object.keys(dump.arrays).sort()).toEqual(['clip_embedding', 'decoded_44k', 'embeddings', 'mel', 'slices', 'timeline', 'waveform']);
    expect(dump.audio).toEqual({ name: 'clip.wav', path: path('dump', 'clip.wav'), sha256: await sha256OfFile(path('clip.wav')) });
    expect(dump.model?.sha256).toBe(await sha256OfFile(join(STAND_IN, 'supporting_data', 'model', 'model.keras')));
    expect(dump.descriptorSha256).toBe(await sha256OfFile(path('dump', 'manifest.json')));
    expect(dump.versions).toHaveProperty('mule_upstream_dump');

    // decoded_44k is what AudioFile.read returned: int16 / 2^16 per channel, every chunk.
    const decoded = dump.arrays.decoded_44k!;
    expect(decoded.shape).toEqual([2, frames]);
    for (const [c, channel] of [left, right].entries()) {
      for (let i = 0; i < frames; i++) if (decoded.data[c * frames + i] !== channel[i]! / 65536) throw new Error(`channel ${c} sample ${i} differs`);
    }
    // The slices are the model's input (its trailing channel axis dropped); the outputs agree.
    const { slices, embeddings, timeline, clip_embedding: clip } = dump.arrays;
    const [k, bins, width] = slices!.shape as [number, number, number];
    expect([bins, width]).toEqual([96, 8]);
    expect(embeddings!.shape).toEqual([k, 4]);
    expect(timeline!.shape).toEqual([4, k]);
    const firstSlice = slices!.data.subarray(0, bins * width);
    let mean = 0;
    for (const v of firstSlice) mean += v / firstSlice.length;
    expect(embeddings!.data[0]).toBeCloseTo(mean, 5); // the stand-in model's first output is the slice mean
    for (let d = 0; d < 4; d++) {
      let sum = 0;
      for (let s = 0; s < k; s++) sum += timeline!.data[d * k + s]!;
      expect(clip!.data[d]).toBeCloseTo(sum / k, 5);
    }
  });

  it('--no-model: the front-end stages and the slices, no model outputs; verify --onnx refuses it, the front-end compares', async () => {
    const run = runScript(['--audio', path('clip.wav'), '--out', path('front'), '--no-model']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const dump = await readUpstreamDump(path('front'));
    expect(Object.keys(dump.arrays)).toEqual(['decoded_44k', 'waveform', 'mel', 'slices']);
    expect(dump.model?.sha256).toBeNull();

    const refused = verifyArtifacts({ onnx: true, reference: path('front'), artifacts: path('nowhere'), runner: 'python', thresholds: resolveThresholds() });
    await expect(refused).rejects.toThrow(VerifyInputError);
    await expect(refused).rejects.toThrow(/holds no model outputs .*: a --no-model dump/);
    // The stand-in decodes the WAV as ffmpeg does (exactly) but does not resample as upstream does.
    const outcome = await verifyArtifacts({ onnx: false, reference: path('front'), runner: 'python', thresholds: resolveThresholds(), out: path('report') });
    expect(Object.fromEntries(outcome.result.stages.map((s) => [s.stage, s.status]))).toMatchObject({ decoding: 'pass', waveform: 'fail' });
  });
});
