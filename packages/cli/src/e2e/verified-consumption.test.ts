/**
 * The promise "the runtime consumes only verified artifacts", as a user meets it on the command line:
 * convert, refused by embed, verify (with the source the manifest records), embed; a passing record
 * copied onto artifacts of another checkpoint is refused; --allow-unverified runs them with a
 * warning; verify stops at once, writing nothing, when its input is wrong, and records nothing when
 * a stage did not run.
 */
import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseManifest } from '@mule-ts/core';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { describePythonLookup, encodePcm16Wav, findPython, makeTempDir } from '@mule-ts/test-utils';
import { createReferenceRunner, generateTestSignal, type ReferenceRunner } from '@mule-ts/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io.js';
import { runMule, type RunMuleOptions } from '../run-mule.js';

const lookup = findPython(['numpy', 'h5py']);
if (!lookup.python) console.warn(`skipping the verified-consumption flow: no python3 with numpy and h5py (${describePythonLookup(lookup)})`);

const REPORT_FILES = ['manifest.json', 'parity.json', 'parity.md'];

async function snapshot(dir: string): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const f of REPORT_FILES) out[f] = await readFile(join(dir, f), 'utf8').catch(() => null);
  return out;
}

describe.skipIf(!lookup.python)('verified consumption (small fixtures, mule CLI in process)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  const path = (...p: string[]): string => join(tmp.dir, ...p);
  const mule = async (args: string[], options: Omit<RunMuleOptions, 'io' | 'cwd'> = {}) => {
    const io = captureIo();
    const code = await runMule(args, { ...options, io, cwd: tmp.dir });
    return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
  };
  // embed keeps its paths as given (shards hash them), so it gets absolute ones here
  const embedArgs = (art: string, out: string) => ['embed', path('clip.wav'), '--model', path(art), '--out', out, '--jobs', '0', '--progress', 'none'];

  beforeAll(async () => {
    tmp = await makeTempDir('mule-verified-consumption-');
    await mkdir(path('models'));
    await writeKerasFixture({ size: 'small', seed: 1, out: path('models', 'one.keras') });
    await writeKerasFixture({ size: 'small', seed: 2, out: path('models', 'two.keras') });
    await writeFile(path('clip.wav'), encodePcm16Wav(generateTestSignal({ seconds: 7, seed: 3 })));
    for (const [name, keras] of [['art1', 'one'], ['art2', 'two']] as const) {
      const r = await mule(['convert', '--keras', `models/${keras}.keras`, '--out', name]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/next {9}mule verify --onnx --artifacts/);
    }
  });
  afterAll(() => tmp?.cleanup());

  it('a converted model is refused by mule embed with UNVERIFIED and the command that verifies it', async () => {
    const r = await mule(embedArgs('art1', path('refused.npy')));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[UNVERIFIED\]: \/.*\/art1: these artifacts are not verified: config\.json and backbone\.onnx have no passing verification record/m);
    expect(r.stderr).toMatch(/^ {2}verify them: mule verify --onnx --artifacts \/.*\/art1 \[--keras MODEL\.keras\]; or run them unverified: --allow-unverified/m);
  });

  it('verify without --keras uses the source the manifest records, passes and records; then embed runs', async () => {
    const v = await mule(['verify', '--onnx', '--artifacts', 'art1']);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stderr).toMatch(/Keras file: .*models\/one\.keras \(recorded in the manifest\)/);
    expect(v.stdout).toMatch(/^recorded: verification [0-9a-f-]{36} \(pass\) in .*art1\/manifest\.json$/m);
    const manifest = parseManifest(await readFile(path('art1', 'manifest.json'), 'utf8'), 'manifest.json');
    expect(manifest.verification).toHaveLength(1);
    const [record] = manifest.verification;
    expect(record).toMatchObject({ verdict: 'pass', source: { sha256: manifest.source.sha256 } });
    expect(record!.files).toEqual({ 'config.json': manifest.files['config.json']!.sha256, 'backbone.onnx': manifest.files['backbone.onnx']!.sha256 });
    expect(Object.keys(record!.stages)).toEqual(['waveform', 'mel', 'slices', 'backbone', 'timeline', 'embedding']);

    const e = await mule(embedArgs('art1', path('one.npy')));
    expect(e.code, e.stderr).toBe(0);
    expect(e.stderr).toMatch(/^model: \/.*\/art1: config\.json and backbone\.onnx verified .* against the python reference \(record [0-9a-f-]{36}\)$/m);
  });

  it('a passing record copied into artifacts of another checkpoint is refused; --allow-unverified runs them with a warning', async () => {
    const one = JSON.parse(await readFile(path('art1', 'manifest.json'), 'utf8')) as { verification: unknown[] };
    const two = JSON.parse(await readFile(path('art2', 'manifest.json'), 'utf8')) as { verification: unknown[] };
    two.verification = one.verification;
    await writeFile(path('art2', 'manifest.json'), JSON.stringify(two, null, 2));
    const r = await mule(embedArgs('art2', path('two.npy')));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[UNVERIFIED\]: \/.*\/art2: these artifacts are not verified: .*a record of .* covers sha256 [0-9a-f]{12}…, the file is [0-9a-f]{12}…/m);
    const allowed = await mule([...embedArgs('art2', path('two.npy')), '--allow-unverified']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toMatch(/^warning: running artifacts that are not verified \(\/.*\/art2\)/m);
    expect(allowed.stderr).toMatch(/^model: \/.*\/art2: NOT VERIFIED/m);
  });

  it('verify exits 2 and leaves every file byte-identical when its input is wrong', async () => {
    const before = await snapshot(path('art1'));
    expect(before['parity.json']).not.toBeNull();
    const wrongSource = await mule(['verify', '--onnx', '--artifacts', 'art1', '--keras', 'models/two.keras']);
    expect(wrongSource.code).toBe(2);
    expect(wrongSource.stderr).toMatch(/^error \[INPUT\]: --keras .*two\.keras \(sha256 [0-9a-f]{64}\) is not the file .*art1 was converted from \(one\.keras/m);
    await rename(path('models', 'one.keras'), path('moved.keras'));
    try {
      const moved = await mule(['verify', '--onnx', '--artifacts', 'art1']);
      expect(moved.code).toBe(2);
      expect(moved.stderr).toMatch(/^error \[INPUT\]: the recorded source of .*art1, .*models\/one\.keras, is not there \(moved or deleted\)\n {2}give the Keras file these artifacts were converted from: --keras FILE\n$/);
      expect(moved.stdout).toBe('');
    } finally {
      await rename(path('moved.keras'), path('models', 'one.keras'));
    }
    await copyFile(path('art1', 'config.json'), path('config.backup'));
    await writeFile(path('art1', 'config.json'), '{}');
    try {
      const changed = await mule(['verify', '--onnx', '--artifacts', 'art1']);
      expect(changed.code).toBe(2);
      expect(changed.stderr).toMatch(/^error \[INPUT\]: .*config\.json: /m);
    } finally {
      await copyFile(path('config.backup'), path('art1', 'config.json'));
    }
    expect(await snapshot(path('art1'))).toEqual(before);
  });

  it('a run in which a requested stage did not run records nothing and exits 1', async () => {
    const before = await snapshot(path('art1'));
    // The reference is there when verify checks for it, then its model evaluation fails mid-run.
    const failingEmbed = (): ReferenceRunner => {
      const real = createReferenceRunner('python');
      return {
        name: real.name,
        description: real.description,
        unavailableReason: (stage) => real.unavailableReason(stage),
        run: (stage, inputs, options) => (stage === 'embed' ? Promise.reject(new Error('the reference process was killed')) : real.run(stage, inputs, options)),
        close: () => real.close(),
      };
    };
    const r = await mule(['verify', '--onnx', '--artifacts', 'art1'], { verify: { createRunner: failingEmbed } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^backbone\s+NOT RUN/m);
    expect(r.stdout).toMatch(/^not recorded: backbone, timeline, embedding did not run; an incomplete run records nothing/m);
    expect(await snapshot(path('art1'))).toEqual(before);
  });
});
