// The stages that run backbone.onnx, on the small generated fixture: they pass on matching
// artifacts, and fail at backbone (front-end still passing) on artifacts converted from another
// seed, or whose slow-stem conv kernel is perturbed by 1e-3 relative.
import { MULE_FRONT_END } from '@mule-ts/core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertKerasFile } from '@mule-ts/convert';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { describePythonLookup, findPython, makeTempDir, runPython } from '@mule-ts/test-utils';
import { resolveThresholds } from '../compare/index.js';
import { renderParityTable } from '../report/index.js';
import { pythonReferenceCommand, SubprocessReferenceRunner, type ReferenceRunner } from '../runners/index.js';
import { runParity, type ParityResult } from './run-parity.js';
import { testSignalAudio } from './read-audio.js';

const lookup = findPython(['numpy', 'h5py']);
if (!lookup.python) console.warn(`skipping the ONNX parity tests: no python3 with numpy and h5py (${describePythonLookup(lookup)})`);

// Rewrites a .keras with one conv kernel perturbed by 1e-3 relative, element by element with random
// signs (a uniform scale would vanish in the weight standardisation): zip + h5py, independent of our code.
// The kernel is the slow stem's first conv (the only (3, 1, 1, C) kernel), on the main path every
// slow feature passes through. (A kernel deep inside one residual branch is damped by its skip gain
// and alpha: measured 5e-7 on the output, at float32 noise, which no float32 check can separate.)
const PERTURB_KERNEL = `
import io, sys, zipfile, h5py, numpy as np
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as z:
    members = {n: z.read(n) for n in z.namelist()}
buf = io.BytesIO(members["model.weights.h5"])
with h5py.File(buf, "r+") as f:
    names = []
    f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) and o.ndim == 4 else None)
    target = [n for n in names if f[n].shape[:3] == (3, 1, 1)]
    assert len(target) == 1, target
    target = target[0]
    v = f[target][...]
    f[target][...] = v * (1 + 1e-3 * np.random.default_rng(0).choice([-1.0, 1.0], v.shape))
members["model.weights.h5"] = buf.getvalue()
with zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as z:
    for n, data in members.items():
        z.writestr(n, data)
print(target)
`;

const status = (r: ParityResult): Record<string, string> => Object.fromEntries(r.stages.map((s) => [s.stage, s.status]));

describe.skipIf(!lookup.python)('runParity --onnx (small fixture)', () => {
  let dir = '';
  let cleanup = async (): Promise<void> => {};
  let runner: ReferenceRunner;
  const audio = testSignalAudio();

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mule-verify-onnx-'));
    runner = new SubprocessReferenceRunner('python', pythonReferenceCommand(lookup.python!));
    for (const seed of [3, 4]) await writeKerasFixture({ size: 'small', seed, out: join(dir, `seed${seed}.keras`) });
    await convertKerasFile({ keras: join(dir, 'seed3.keras'), outDir: join(dir, 'art3') });
    expect(existsSync(join(dir, 'art3', 'backbone.onnx')), 'convert writes backbone.onnx').toBe(true);
  });
  afterAll(async () => {
    await runner?.close();
    await cleanup();
  });

  it('passes every stage on matching artifacts', async () => {
    const result = await runParity({ audio, runner, frontEnd: MULE_FRONT_END, thresholds: resolveThresholds(), onnx: true, artifactsDir: join(dir, 'art3'), keras: join(dir, 'seed3.keras') });
    console.log(`--onnx parity, small fixture:\n${renderParityTable(result)}`);
    expect(status(result)).toEqual({ waveform: 'pass', mel: 'pass', slices: 'pass', backbone: 'pass', timeline: 'pass', embedding: 'pass' });
    expect(result.stages.find((s) => s.stage === 'backbone')!.candidateShape).toEqual(result.stages.find((s) => s.stage === 'backbone')!.referenceShape);
  });

  it('sabotage: artifacts from another seed fail at backbone and pass the front-end', async () => {
    const result = await runParity({ audio, runner, frontEnd: MULE_FRONT_END, thresholds: resolveThresholds(), onnx: true, artifactsDir: join(dir, 'art3'), keras: join(dir, 'seed4.keras') });
    expect(status(result)).toMatchObject({ mel: 'pass', slices: 'pass', backbone: 'fail', timeline: 'fail', embedding: 'fail' });
  });

  it('sabotage: one conv kernel perturbed by 1e-3 relative fails at backbone and passes the front-end', async () => {
    const tensor = runPython(lookup.python!, PERTURB_KERNEL, [join(dir, 'seed3.keras'), join(dir, 'perturbed.keras')]).trim();
    const run = (keras: string) => runParity({ audio, runner, frontEnd: MULE_FRONT_END, thresholds: resolveThresholds(), onnx: true, artifactsDir: join(dir, 'art3'), keras: join(dir, keras) });
    const clean = await run('seed3.keras');
    const perturbed = await run('perturbed.keras');
    console.log(`perturbed ${tensor}:\n${renderParityTable(perturbed)}`);
    const backbone = (r: ParityResult) => r.stages.find((s) => s.stage === 'backbone')!.metrics!;
    expect(status(clean)).toMatchObject({ mel: 'pass', slices: 'pass', backbone: 'pass' });
    expect(status(perturbed)).toMatchObject({ mel: 'pass', slices: 'pass', backbone: 'fail', timeline: 'fail', embedding: 'fail' });
    expect(backbone(perturbed).maxRel).toBeGreaterThan(10 * backbone(clean).maxRel);
  });
});
