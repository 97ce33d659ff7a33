// The waveform and front-end stages end to end with the python runner on the generated test signal
// (7 s stereo 16-bit at 44.1 kHz), and the sabotage tests: a resampler with the wrong filter fails at
// waveform, a wrong window fails at mel, a slicer without the chunk quirk passes mel and fails at
// slices. The ONNX stages are in onnx-stages.test.ts.
import { MULE_FRONT_END } from '@mule-ts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePythonLookup, findPython } from '@mule-ts/test-utils';
import { resolveThresholds } from '../compare/index.js';
import { pythonReferenceCommand, SubprocessReferenceRunner, type ReferenceRunner } from '../runners/index.js';
import { LOW_ROLLOFF_RESAMPLER_PIPELINE, NO_CHUNK_QUIRK_PIPELINE, SYMMETRIC_HANN_PIPELINE } from '../__fixtures__/sabotaged-pipelines.js';
import { renderParityTable } from '../report/index.js';
import { testSignalAudio } from './read-audio.js';
import { runParity, type ParityResult } from './run-parity.js';
import type { StageResult } from './stage-result.js';

const lookup = findPython(['numpy', 'h5py']);
if (!lookup.python) console.warn(`skipping the parity front-end tests: no python3 with numpy and h5py (${describePythonLookup(lookup)})`);

const status = (r: ParityResult): Record<string, StageResult['status']> => Object.fromEntries(r.stages.map((s) => [s.stage, s.status]));

describe.skipIf(!lookup.python)('runParity, front-end stages (python runner)', () => {
  let runner: ReferenceRunner;
  const audio = testSignalAudio();
  beforeAll(() => {
    runner = new SubprocessReferenceRunner('python', pythonReferenceCommand(lookup.python!));
  });
  afterAll(() => runner.close());

  it('passes waveform, mel and slices on the 44.1 kHz test signal, with the margins', async () => {
    expect(audio.sampleRate).toBe(44_100);
    const result = await runParity({ audio, runner, frontEnd: MULE_FRONT_END, thresholds: resolveThresholds(), onnx: false });
    console.log(`front-end parity (python runner):\n${renderParityTable(result)}`);
    const waveform = result.stages.find((s) => s.stage === 'waveform')!;
    console.log(`waveform stage: runtime float32 resampleTo16k vs reference float64: max-abs ${waveform.metrics?.maxAbs.toExponential(3)}, margin ${waveform.margin}`);
    expect(status(result)).toEqual({ waveform: 'pass', mel: 'pass', slices: 'pass', backbone: 'not-requested', timeline: 'not-requested', embedding: 'not-requested' });
    expect(result.verdict).toBe('pass');
    expect(waveform.candidateShape).toEqual([112_000]); // ceil(308700 * 16000 / 44100)
    expect(waveform.referenceShape).toEqual([112_000]);
    // The runtime sums in float32 as resampy does for upstream's float32 waveform: not 0, well inside 1e-6.
    expect(waveform.metrics!.maxAbs).toBeGreaterThan(0);
    expect(waveform.margin).toBeGreaterThan(1);
    expect(result.audio).toMatchObject({ samples: 308_700, sampleRate: 44_100 });
    expect(result.notes.join('\n')).toMatch(/fed the reference's 16 kHz waveform/);
    const mel = result.stages.find((s) => s.stage === 'mel')!;
    expect(mel.candidateShape).toEqual([96, 701]);
    expect(mel.margin).toBeGreaterThan(10);
    // The runtime rounds to float32 (relative ~6e-8 of values up to ~8): the max-abs is that rounding, not 0.
    expect(mel.metrics!.maxAbs).toBeGreaterThan(0);
    expect(mel.metrics!.maxAbs).toBeLessThan(1e-6);
    expect(result.stages.find((s) => s.stage === 'slices')!.margin).toBeGreaterThan(1);
  });

  it('stricter thresholds than the measured error make the same run fail', async () => {
    const result = await runParity({ audio, runner, frontEnd: MULE_FRONT_END, thresholds: resolveThresholds({ slices: { maxAbs: 1e-9 } }), onnx: false });
    expect(status(result).mel).toBe('pass');
    expect(status(result).slices).toBe('fail');
    expect(result.stages.find((s) => s.stage === 'slices')!.problems.join()).toMatch(/max-abs .* > 1e-9/);
    expect(result.verdict).toBe('fail');
  });

  it('sabotage: a resampler filter with the wrong rolloff fails at waveform; mel and slices (fed the reference waveform) pass', async () => {
    const result = await runParity({ audio, runner, frontEnd: MULE_FRONT_END, thresholds: resolveThresholds(), onnx: false, pipeline: LOW_ROLLOFF_RESAMPLER_PIPELINE });
    console.log(`low-rolloff resampler sabotage:\n${renderParityTable(result)}`);
    expect(status(result)).toMatchObject({ waveform: 'fail', mel: 'pass', slices: 'pass' });
    const waveform = result.stages.find((s) => s.stage === 'waveform')!;
    expect(waveform.candidateShape).toEqual(waveform.referenceShape); // same length: the failure is in the values
    expect(waveform.margin).toBeLessThan(1);
    expect(waveform.problems.join()).toMatch(/max-abs .* > 0.000004/);
    expect(result.verdict).toBe('fail');
  });

  it('sabotage: a symmetric Hann window fails at mel, and nothing after it passes', async () => {
    const result = await runParity({ audio, runner, frontEnd: MULE_FRONT_END, thresholds: resolveThresholds(), onnx: false, pipeline: SYMMETRIC_HANN_PIPELINE });
    console.log(`symmetric Hann sabotage:\n${renderParityTable(result)}`);
    expect(status(result).mel).toBe('fail');
    expect(status(result).slices).toBe('fail'); // the runtime slices are cut from the wrong mel
    const mel = result.stages.find((s) => s.stage === 'mel')!;
    expect(mel.margin).toBeLessThan(1);
    expect(mel.problems.join()).toMatch(/max-abs/);
    // centres still match: the failure is in the values, reported as such
    expect(result.stages.find((s) => s.stage === 'slices')!.problems.join()).not.toMatch(/centres/);
    expect(result.verdict).toBe('fail');
  });

  it('sabotage: a slicer without the chunk quirk passes mel and fails at slices on an 81 s clip', async () => {
    const long = testSignalAudio({ seconds: 81, seed: 5 });
    const result = await runParity({ audio: long, runner, frontEnd: MULE_FRONT_END, thresholds: resolveThresholds(), onnx: false, pipeline: NO_CHUNK_QUIRK_PIPELINE });
    expect(status(result).mel).toBe('pass');
    expect(status(result).slices).toBe('fail');
    const slices = result.stages.find((s) => s.stage === 'slices')!;
    expect(slices.candidateShape![0]).toBe(slices.referenceShape![0]! + 1); // frame 8000 became a centre (clamped to T - 150 = 7951)
    expect(slices.problems.join()).toMatch(/centres \[.*, 7800, 7951\] differ from the reference's \[.*, 7800\]$/);
  }, 240_000);
});

describe('runParity, stages that cannot run', () => {
  const broken: ReferenceRunner = {
    name: 'broken',
    description: 'always fails',
    unavailableReason: async () => null,
    run: async () => {
      throw new Error('reference exploded');
    },
    close: async () => {},
  };

  it('a requested stage that did not run fails the verification, naming why', async () => {
    const result = await runParity({ audio: testSignalAudio({ seconds: 4 }), runner: broken, frontEnd: MULE_FRONT_END, thresholds: resolveThresholds(), onnx: true });
    expect(status(result)).toMatchObject({ waveform: 'not-run', mel: 'not-run', slices: 'not-run', backbone: 'not-run', timeline: 'not-run', embedding: 'not-run' });
    expect(result.stages.find((s) => s.stage === 'waveform')!.problems[0]).toBe('reference exploded');
    // the runtime's waveform feeds mel on both sides, where the reference fails again
    expect(result.notes.join('\n')).toMatch(/the reference did not resample/);
    expect(result.stages.find((s) => s.stage === 'mel')!.problems[0]).toBe('reference exploded');
    expect(result.stages.find((s) => s.stage === 'backbone')!.problems[0]).toMatch(/no Keras file/);
    expect(result.verdict).toBe('fail');
  });
});
