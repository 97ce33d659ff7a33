// The mule command line as a whole: dispatch, the one error format, exit codes, clean machine output.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeKerasFixture, writeLegacyKerasFixture } from '@mule-ts/keras-fixture';
import { makeTempDir, mulberry32 } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from './__fixtures__/capture-io.js';
import { runMule } from './run-mule.js';

const exec = promisify(execFile);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MULE_BIN = join(REPO_ROOT, 'packages/cli/bin/mule.js');

describe('runMule', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  const mule = async (args: string[]) => {
    const io = captureIo();
    const code = await runMule(args, { io, cwd: tmp.dir });
    return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
  };

  beforeAll(async () => {
    tmp = await makeTempDir('mule-cli-');
    await writeKerasFixture({ size: 'small', seed: 1, out: join(tmp.dir, 'small.keras') });
    await writeLegacyKerasFixture({ size: 'small', seed: 3, out: join(tmp.dir, 'small.h5') });
    await writeFile(join(tmp.dir, 'notes.keras'), 'not a model');
  });
  afterAll(() => tmp?.cleanup());

  it('lists the commands and the exit codes; --version prints the version', async () => {
    const help = await mule(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: mule <command>/);
    for (const c of ['convert', 'inspect', 'verify', 'embed', 'merge']) expect(help.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(help.stdout).toMatch(/Exit codes: 0 success; 1 .*; 2 a usage or/);
    expect((await mule(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    for (const c of ['convert', 'inspect', 'verify', 'embed', 'merge']) {
      const r = await mule([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toMatch(new RegExp(`^Usage: mule ${c}`));
    }
  });

  it('usage mistakes: exit 2, one error [USAGE] line and one line saying where the options are', async () => {
    const cases: Array<[string[], string]> = [
      [[], 'error [USAGE]: no command given (convert, inspect, verify, embed or merge)\n  mule --help lists the options\n'],
      [['convrt'], 'error [USAGE]: unknown command "convrt" (did you mean convert?)\n  mule --help lists the options\n'],
      [['convert'], 'error [USAGE]: --keras FILE is required\n  mule convert --help lists the options\n'],
      [['convert', '--kears', 'x'], 'error [USAGE]: unknown option --kears (did you mean --keras?)\n  mule convert --help lists the options\n'],
      [['convert', '--keras'], 'error [USAGE]: --keras needs a value (use --keras=VALUE for a value starting with -)\n  mule convert --help lists the options\n'],
      [['convert', '--no-onnx=yes', '--keras', 'x'], 'error [USAGE]: --no-onnx takes no value\n  mule convert --help lists the options\n'],
      [['convert', '--keras', 'x', '--variants', 'fp61'], 'error [USAGE]: --variants takes fp16, pipeline, int8, got "fp61" (did you mean fp16?)\n  mule convert --help lists the options\n'],
      [['convert', '--keras', 'x', '--variants', 'fp16', '--no-onnx'], 'error [USAGE]: --variants are ONNX files: not with --no-onnx\n  mule convert --help lists the options\n'],
      [['convert', '--keras', 'x', '--calibration', 'audio/'], 'error [USAGE]: --calibration calibrates the int8 variant: give --variants int8\n  mule convert --help lists the options\n'],
      [['verify', '--precision', 'int4'], 'error [USAGE]: --precision takes fp32, fp16, int8, got "int4" (did you mean int8?)\n  mule verify --help lists the options\n'],
      [['embed', 'x.wav', '--model', 'm', '--out', 'o.npy', '--precision', 'fp61'], 'error [USAGE]: --precision takes fp32, fp16, int8, got "fp61" (did you mean fp16?)\n  mule embed --help lists the options\n'],
      [['inspect', 'a.keras', 'b.keras'], 'error [USAGE]: inspect takes exactly one Keras file (got 2)\n  mule inspect --help lists the options\n'],
      [['embed', 'x.wav', '--model', 'm', '--out', 'o.csv'], 'error [USAGE]: --out o.csv: use a .npy, .jsonl or .parquet file or a directory (ending in / or without extension)\n  mule embed --help lists the options\n'],
    ];
    for (const [args, text] of cases) {
      const r = await mule(args);
      expect({ args, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ args, code: 2, stderr: text, stdout: '' });
    }
  });

  it('missing inputs: exit 2 with error [INPUT] before any work', async () => {
    const missing = await mule(['convert', '--keras', 'gone.keras', '--out', 'out']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`error [INPUT]: --keras ${join(tmp.dir, 'gone.keras')}: no such file\n  give the .keras (or legacy .h5) file Keras saved the MULE model to\n`);
    const inspect = await mule(['inspect', 'gone.keras']);
    expect(inspect.code).toBe(2);
    expect(inspect.stderr).toMatch(/^error \[INPUT\]: inspect .*gone\.keras: no such file\n/);
    const model = await mule(['embed', join(tmp.dir, 'x.wav'), '--model', join(tmp.dir, 'no-model'), '--out', join(tmp.dir, 'o.npy')]);
    expect(model.code).toBe(2);
    expect(model.stderr).toMatch(/^error \[INPUT\]: --model .*no-model: no such directory\n {2}point --model at a directory written by mule convert/);
    const notAModel = await mule(['embed', join(tmp.dir, 'small.keras'), '--model', tmp.dir, '--out', join(tmp.dir, 'o.npy')]);
    expect(notAModel.code).toBe(1);
    expect(notAModel.stderr).toMatch(/^error \[MISSING_MEMBER\]: .*manifest\.json: cannot read the artifact manifest: .*\n {2}.* is not a converted model directory \(it holds manifest\.json, config\.json and backbone\.onnx\): mule convert --keras FILE --out DIR writes one\n$/);
  });

  it('a bad model file: exit 1, error [CODE] naming the file, and what to do', async () => {
    const r = await mule(['convert', '--keras', 'notes.keras', '--out', 'out']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error \\[NOT_A_MODEL_FILE\\]: .*${join(tmp.dir, 'notes.keras').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`, 'm'));
    expect(r.stderr).toMatch(/\n {2}give the \.keras \(or legacy \.h5\) file Keras saved the model to\n$/);
  });

  it('a damaged HDF5 file: one error line naming the file, none of HDF5\'s diagnostics on stderr', async () => {
    const base = await readFile(join(tmp.dir, 'small.h5'));
    const random = mulberry32(2);
    for (let i = 0; i < 3; i++) base[Math.floor(random() * base.length)] = Math.floor(random() * 256);
    const damaged = join(tmp.dir, 'damaged.h5');
    await writeFile(damaged, base);
    const r = await exec(process.execPath, [MULE_BIN, 'convert', '--keras', damaged, '--out', join(tmp.dir, 'damaged-out')]).catch((e: { code: number; stderr: string }) => e);
    expect(r).toMatchObject({ code: 1 });
    const { stderr } = r as { stderr: string };
    expect(stderr).not.toMatch(/HDF5-DIAG|#0\d\d:/);
    expect(stderr).toMatch(new RegExp(`^error \\[TRUNCATED\\]: ${damaged.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is a corrupt HDF5 file: .*: \\w+\\(\\): [^\\n]+\\n {2}the file is damaged: download or copy it again\\n$`, 'm'));
  });

  it('inspect --json prints only JSON on stdout', async () => {
    const r = await mule(['inspect', '--json', 'small.keras']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as { layers: unknown[] };
    expect(report.layers.length).toBeGreaterThan(10);
  });

  it('the bin, from the repository (pnpm exec mule) and by path: inspect --json | jq . works', async () => {
    const keras = join(tmp.dir, 'small.keras');
    const hasJq = (await exec('sh', ['-c', 'command -v jq']).catch(() => null)) !== null;
    if (!hasJq) console.warn('jq is not installed (apt-get install jq): reading the piped JSON with JSON.parse instead');
    const reader = hasJq ? "jq -c '.layers | length'" : `node -e "let t='';process.stdin.on('data',(d)=>t+=d).on('end',()=>console.log(JSON.parse(t).layers.length))"`;
    const viaPnpm = await exec('sh', ['-c', `pnpm exec mule inspect --json "${keras}" | ${reader}`], { cwd: REPO_ROOT });
    expect(Number(viaPnpm.stdout.trim())).toBeGreaterThan(10);
    const direct = await exec(process.execPath, [MULE_BIN, 'inspect', '--json', keras], { cwd: tmp.dir, maxBuffer: 1 << 24 });
    expect(JSON.parse(direct.stdout)).toMatchObject({ layers: expect.any(Array) });
    expect(direct.stderr).toBe('');
    const bad = await exec(process.execPath, [MULE_BIN, 'inspect', '--jsn', keras]).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2, stderr: 'error [USAGE]: unknown option --jsn (did you mean --json?)\n  mule inspect --help lists the options\n' });
  });
});
