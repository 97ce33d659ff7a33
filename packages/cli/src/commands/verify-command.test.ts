// `mule verify` through runMule: exit codes, what it writes and what it never writes.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeNpy, ndarray } from '@mule-ts/core';
import { describePythonLookup, findPython, makeTempDir, upstreamGoldensDir } from '@mule-ts/test-utils';
import { RUNTIME_PIPELINE, generateTestSignal, upstreamMono, type CandidatePipeline } from '@mule-ts/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io.js';
import { runMule } from '../run-mule.js';

const lookup = findPython(['numpy', 'h5py']);
const goldens = upstreamGoldensDir();
if (!goldens) console.warn('skipping mule verify --reference on an upstream golden: ../shared/reference/upstream-goldens is absent');
if (!lookup.python) console.warn(`skipping the mule verify runs: no python3 with numpy and h5py (${describePythonLookup(lookup)})`);

/** The runtime with the mel's log multiplier off by 10x: the mel and slices must fail. */
const WRONG_MULTIPLIER: CandidatePipeline = {
  ...RUNTIME_PIPELINE,
  description: 'SABOTAGED: log-mel multiplier 1000 instead of the config value',
  logMel: (waveform, frontEnd) => RUNTIME_PIPELINE.logMel(waveform, { ...frontEnd, melFrontEnd: { ...frontEnd.melFrontEnd, compression: { kind: 'log10_nonneg', multiplier: 1000 } } }),
};

describe('mule verify', () => {
  let dir = '';
  let cleanup = async (): Promise<void> => {};
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mule-verify-cli-'));
  });
  afterAll(() => cleanup());

  it('usage and input problems exit 2 with error [CODE] and a line saying what to do, writing nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['verify', '--runner', 'pythn'], /^error \[USAGE\]: --runner takes python, uv, pyodide, got "pythn" \(did you mean python\?\)\n {2}mule verify --help lists the options\n$/],
      [['verify', '--onxx'], /^error \[USAGE\]: unknown option --onxx \(did you mean --onnx\?\)\n/],
      [['verify', '--onnx'], /^error \[INPUT\]: --onnx needs a Keras file for the reference\n {2}give --keras FILE/],
      [['verify', '--audio', 'missing.wav', '--out', 'never'], /^error \[INPUT\]: --audio .*missing\.wav: no such file\n {2}give an audio file/],
      [['verify', '--onnx', '--artifacts', 'no-such-dir', '--out', 'never'], /^error \[INPUT\]: --artifacts .*no-such-dir: no such directory\n {2}point --artifacts at a directory written by mule convert/],
      [['verify', '--onnx', '--keras', 'no.keras'], /^error \[INPUT\]: --keras .*no\.keras: no such file/],
      [['verify', '--reference', 'no-dump'], /^error \[INPUT\]: --reference .*no-dump: no such directory\n {2}point --reference at a directory written by upstream_dump\.py/],
      [['verify', '--reference', '.', '--runner', 'python'], /^error \[USAGE\]: --runner is not used with --reference: the dump is the reference\n/],
      [['verify', '--reference', '.', '--keras', 'm.keras'], /^error \[INPUT\]: --keras is not used with --reference/],
      [['verify', '--reference', '.'], /^error \[INPUT\]: .* holds neither manifest\.json nor info\.json: not an upstream dump/],
    ];
    for (const [args, message] of cases) {
      const io = captureIo();
      expect(await runMule(args, { io, cwd: dir }), args.join(' ')).toBe(2);
      expect(io.stderrText(), args.join(' ')).toMatch(message);
      expect(io.stdoutText()).toBe('');
    }
    expect(existsSync(join(dir, 'never'))).toBe(false);
    expect(existsSync(join(dir, 'artifacts'))).toBe(false);
  });

  it.skipIf(!lookup.python)('front end without artifacts: exit 0, table on stdout, parity.json and parity.md, no record', async () => {
    const io = captureIo();
    const out = join(dir, 'front');
    expect(await runMule(['verify', '--out', out], { io, cwd: dir })).toBe(0);
    const stdout = io.stdoutText();
    expect(stdout).toMatch(/^mel\s+PASS/m);
    expect(stdout).toMatch(/^waveform\s+PASS/m);
    expect(stdout).toMatch(/PASS: 3 stage\(s\) within thresholds \(waveform, mel, slices\); smallest margin/);
    expect(stdout).toMatch(/not recorded: no artifacts directory/);
    expect(io.stderrText()).toMatch(/audio: generated test signal .*7 s stereo 16-bit PCM at 44\.1 kHz/);
    expect(io.stderrText()).toMatch(/front-end parameters: upstream MULE's \(no artifacts\)/);
    expect(JSON.parse(await readFile(join(out, 'parity.json'), 'utf8'))).toMatchObject({ verdict: 'pass' });
    expect(await readFile(join(out, 'parity.md'), 'utf8')).toMatch(/^## MULE parity: ✅ pass/);
  });

  it.skipIf(!lookup.python)('--audio FILE.npy: a 44.1 kHz waveform from .npy', async () => {
    const mono = upstreamMono(generateTestSignal({ seconds: 4, seed: 2 }));
    await writeFile(join(dir, 'clip.npy'), encodeNpy(ndarray(mono, [mono.length])));
    const io = captureIo();
    expect(await runMule(['verify', '--audio', 'clip.npy', '--out', join(dir, 'with-audio')], { io, cwd: dir })).toBe(0);
    expect(await readFile(join(dir, 'with-audio', 'parity.md'), 'utf8')).toMatch(/\| waveform \| ✅ PASS \|.*\| \(64000\) \|/);
  });

  it.skipIf(!goldens)('--reference DUMP: the front-end against genuine upstream outputs, decoding exactly; no python needed', async () => {
    const io = captureIo();
    expect(await runMule(['verify', '--reference', join(goldens!, 'u7'), '--out', join(dir, 'upstream')], { io, cwd: dir })).toBe(0);
    const stdout = io.stdoutText();
    expect(stdout).toMatch(/^decoding\s+PASS\s.*\s0\s+0\s+\(308700\)\s.*exact$/m);
    expect(stdout).toMatch(/PASS: 4 stage\(s\) within thresholds \(decoding, waveform, mel, slices\)/);
    expect(stdout).toMatch(/not verified: backbone, timeline, embedding \(needs backbone\.onnx: run with --onnx\)/);
    expect(io.stderrText()).toMatch(/reference: genuine upstream outputs from .*u7 \(info\.json/);
    expect(io.stderrText()).toMatch(/audio: .*u7\.wav \(sha256 matches the dump's\)/);
    const report = JSON.parse(await readFile(join(dir, 'upstream', 'parity.json'), 'utf8')) as { reference: { runner: string } };
    expect(report.reference.runner).toBe('upstream-dump');
  });

  it.skipIf(!lookup.python)('a failing stage exits 1 and says which', async () => {
    const io = captureIo();
    expect(await runMule(['verify', '--out', join(dir, 'sabotage')], { io, cwd: dir, verify: { pipeline: WRONG_MULTIPLIER } })).toBe(1);
    expect(io.stdoutText()).toMatch(/FAIL: mel failed, slices failed/);
  });
});
