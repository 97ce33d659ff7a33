// The command line: exit codes, the files it writes, and that a requested stage which did not run
// (or failed) gives a non-zero exit.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePythonLookup, findPython, makeTempDir } from '@mule-ts/test-utils';
import { encodePcm16Wav } from '../__fixtures__/pcm-wav.js';
import { SYMMETRIC_HANN_PIPELINE } from '../__fixtures__/sabotaged-pipelines.js';
import { generateTestSignal } from '../parity/index.js';
import { pythonReferenceCommand, SubprocessReferenceRunner } from '../runners/index.js';
import { runVerifyCli, type VerifyCliOptions } from './verify-cli.js';

const lookup = findPython(['numpy', 'h5py']);
if (!lookup.python) console.warn(`skipping the verify CLI tests: no python3 with numpy and h5py (${describePythonLookup(lookup)})`);

function capture(): VerifyCliOptions['io'] & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } };
}

describe('runVerifyCli', () => {
  let dir = '';
  let cleanup = async (): Promise<void> => {};
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mule-verify-cli-'));
  });
  afterAll(() => cleanup());
  const createRunner = () => new SubprocessReferenceRunner('python', pythonReferenceCommand(lookup.python!));

  it('usage errors exit 2 with the usage text', async () => {
    for (const args of [['--runner', 'conda'], ['--bogus'], ['--onnx']]) {
      const io = capture();
      expect(await runVerifyCli(args, { io, cwd: dir })).toBe(2);
      expect(io.err.join('')).toMatch(/^error: [\s\S]*Usage:/);
    }
  });

  it.skipIf(!lookup.python)('front-end run: exit 0, table, parity.json and parity.md', async () => {
    const io = capture();
    const out = join(dir, 'front');
    expect(await runVerifyCli(['--out', out], { io, cwd: dir, createRunner })).toBe(0);
    const stdout = io.out.join('');
    expect(stdout).toMatch(/^mel\s+PASS/m);
    expect(stdout).toMatch(/^waveform\s+PASS/m);
    expect(stdout).toMatch(/PASS: 3 stage\(s\) within thresholds \(waveform, mel, slices\); smallest margin/);
    expect(io.err.join('')).toMatch(/audio: generated test signal .*7 s stereo 16-bit PCM at 44\.1 kHz/);
    expect(io.err.join('')).toMatch(/verify \[\s*[\d.]+ s\] reference \(python\): resample 7\.00 s at 44100 Hz to 16 kHz/);
    expect(io.err.join('')).toMatch(/verify \[\s*[\d.]+ s\] reference \(python\): mel, slices/);
    const json = JSON.parse(await readFile(join(out, 'parity.json'), 'utf8')) as { verdict: string };
    expect(json.verdict).toBe('pass');
    expect(await readFile(join(out, 'parity.md'), 'utf8')).toMatch(/^## MULE parity: ✅ pass/);
  });

  it.skipIf(!lookup.python)('--audio FILE.wav: decoded by the runtime (WAV reader here), the report says decoding is not compared', async () => {
    const wav = join(dir, 'clip.wav');
    await writeFile(wav, encodePcm16Wav(generateTestSignal({ seconds: 4, seed: 2 })));
    const io = capture();
    const out = join(dir, 'with-audio');
    expect(await runVerifyCli(['--audio', 'clip.wav', '--out', out], { io, cwd: dir, createRunner })).toBe(0);
    expect(io.err.join('')).toMatch(/audio: 2-channel audio (decoded by ffmpeg|read by the runtime WAV reader \(no ffmpeg\)): 4\.00 s at 44\.1 kHz/);
    const md = await readFile(join(out, 'parity.md'), 'utf8');
    expect(md).toMatch(/- audio: .*\(176400 samples at 44100 Hz\)/);
    expect(md).toContain('> Decoding is not compared');
    expect(md).toMatch(/\| waveform \| ✅ PASS \|.*\| \(64000\) \|/);
  });

  it.skipIf(!lookup.python)('a failing stage exits 1 (sabotaged front-end)', async () => {
    const io = capture();
    expect(await runVerifyCli(['--out', join(dir, 'sabotage')], { io, cwd: dir, createRunner, pipeline: SYMMETRIC_HANN_PIPELINE })).toBe(1);
    expect(io.out.join('')).toMatch(/FAIL: mel failed, slices failed/);
  });

  it.skipIf(!lookup.python)('requested stages that did not run exit 1: --onnx on artifacts without the Keras file', async () => {
    const io = capture();
    const code = await runVerifyCli(['--onnx', '--artifacts', join(dir, 'no-such-artifacts'), '--out', join(dir, 'not-run')], { io, cwd: dir, createRunner });
    expect(code).toBe(1);
    const stdout = io.out.join('');
    expect(stdout).toMatch(/^backbone\s+NOT RUN/m);
    expect(stdout).toMatch(/backbone: no Keras file: the reference needs it/);
    expect(stdout).toMatch(/FAIL: backbone did not run, timeline did not run, embedding did not run/);
  });
});
