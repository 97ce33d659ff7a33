// The front-end stages end to end with the python runner on the generated test signal, and the
// sabotage tests: a wrong window fails at mel, a slicer without the chunk quirk passes mel and fails
// at slices. The ONNX stages are in onnx-stages.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePythonLookup, findPython } from '@mule-ts/test-utils';
import { resolveThresholds } from '../compare/index.js';
import { pythonReferenceCommand, SubprocessReferenceRunner, type ReferenceRunner } from '../runners/index.js';
import { NO_CHUNK_QUIRK_PIPELINE, SYMMETRIC_HANN_PIPELINE } from '../__fixtures__/sabotaged-pipelines.js';
import { renderParityTable } from '../report/index.js';
import { generateTestSignal, upstreamMono } from './test-signal.js';
import { runParity, type ParityResult } from './run-parity.js';
import type { StageResult } from './stage-result.js';

const lookup = findPython(['numpy', 'h5py']);
if (!lookup.python) console.warn(`skipping the parity front-end tests: no python3 with numpy and h5py (${describePythonLookup(lookup)})`);

const status = (r: ParityResult): Record<string, StageResult['status']> => Object.fromEntries(r.stages.map((s) => [s.stage, s.status]));

describe.skipIf(!lookup.python)('runParity, front-end stages (python runner)', () => {
  let runner: ReferenceRunner;
  const audio = { waveform: upstreamMono(generateTestSignal()), description: 'test signal', source: 'generated' };
  beforeAll(() => {
    runner = new SubprocessReferenceRunner('python', pythonReferenceCommand(lookup.python!));
  });
  afterAll(() => runner.close());

  it('passes mel and slices on the test signal, with the margins', async () => {
    const result = await runParity({ audio, runner, thresholds: resolveThresholds(), onnx: false });
    console.log(`front-end parity (python runner):\n${renderParityTable(result)}`);
    expect(status(result)).toEqual({ waveform: 'not-requested', mel: 'pass', slices: 'pass', backbone: 'not-requested', timeline: 'not-requested', embedding: 'not-requested' });
    expect(result.verdict).toBe('pass');
    const mel = result.stages.find((s) => s.stage === 'mel')!;
    expect(mel.candidateShape).toEqual([96, 701]);
    expect(mel.margin).toBeGreaterThan(10);
    // The runtime rounds to float32 (relative ~6e-8 of values up to ~8): the max-abs is that rounding, not 0.
    expect(mel.metrics!.maxAbs).toBeGreaterThan(0);
    expect(mel.metrics!.maxAbs).toBeLessThan(1e-6);
    expect(result.stages.find((s) => s.stage === 'slices')!.margin).toBeGreaterThan(1);
  });

  it('stricter thresholds than the measured error make the same run fail', async () => {
    const result = await runParity({ audio, runner, thresholds: resolveThresholds({ slices: { maxAbs: 1e-9 } }), onnx: false });
    expect(status(result).mel).toBe('pass');
    expect(status(result).slices).toBe('fail');
    expect(result.stages.find((s) => s.stage === 'slices')!.problems.join()).toMatch(/max-abs .* > 1e-9/);
    expect(result.verdict).toBe('fail');
  });

  it('sabotage: a symmetric Hann window fails at mel, and nothing after it passes', async () => {
    const result = await runParity({ audio, runner, thresholds: resolveThresholds(), onnx: false, pipeline: SYMMETRIC_HANN_PIPELINE });
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
    const long = { waveform: upstreamMono(generateTestSignal({ seconds: 81, seed: 5 })), description: '81 s', source: 'generated' };
    const result = await runParity({ audio: long, runner, thresholds: resolveThresholds(), onnx: false, pipeline: NO_CHUNK_QUIRK_PIPELINE });
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
    const audio = { waveform: upstreamMono(generateTestSignal({ seconds: 4 })), description: '4 s', source: 'generated' };
    const result = await runParity({ audio, runner: broken, thresholds: resolveThresholds(), onnx: true });
    expect(status(result)).toMatchObject({ mel: 'not-run', slices: 'not-run', backbone: 'not-run', timeline: 'not-run', embedding: 'not-run' });
    expect(result.stages.find((s) => s.stage === 'mel')!.problems[0]).toBe('reference exploded');
    expect(result.stages.find((s) => s.stage === 'backbone')!.problems[0]).toMatch(/no Keras file/);
    expect(result.verdict).toBe('fail');
  });
});
