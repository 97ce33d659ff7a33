/**
 * The `pyodide` runner: the same mule_reference modules and CLI `main`, in process, in CPython
 * compiled to WebAssembly (the `pyodide` npm package, loaded from node_modules, no network). The
 * pure-Python stages (resample, mel, slices) run everywhere (resample on the reference's stdlib path,
 * slow: seconds of CPU per second of 44.1 kHz audio); backbone and embed need numpy and h5py inside
 * Pyodide, which it only has when their wheels sit beside the package (it never downloads them).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import type { PyodideAPI } from 'pyodide';
import { encodeNpy, type NDArray } from '../npy/index.js';
import { REFERENCE_PACKAGE_DIR } from './reference-paths.js';
import { collectArrays, inputFileName, parseReferenceManifest, REFERENCE_MANIFEST_FILE, stageArguments } from './reference-protocol.js';
import { MODEL_STAGES, ReferenceRunError, type ReferenceResult, type ReferenceRunOptions, type ReferenceRunner, type ReferenceStage } from './types.js';

const PYODIDE_ROOT = '/mule-reference';
const MODEL_PACKAGES = ['numpy', 'h5py'] as const;

/** The directory of the installed pyodide package (its wheels and lock file live there). */
export function pyodidePackageDir(): string {
  return dirname(createRequire(import.meta.url).resolve('pyodide/pyodide.mjs'));
}

/** Which of `packages` have no wheel in the local Pyodide distribution. */
export function missingPyodideWheels(packages: readonly string[], dir = pyodidePackageDir()): string[] {
  const lock = JSON.parse(readFileSync(join(dir, 'pyodide-lock.json'), 'utf8')) as { packages: Record<string, { file_name: string }> };
  return packages.filter((p) => {
    const entry = lock.packages[p];
    return !entry || !existsSync(join(dir, entry.file_name));
  });
}

export class PyodideReferenceRunner implements ReferenceRunner {
  readonly name = 'pyodide';
  private pyodide: Promise<PyodideAPI> | null = null;
  private stderr: string[] = [];
  private runCount = 0;
  private version = '';

  get description(): string {
    return `Pyodide ${this.version || '(not loaded yet)'} in process (${pyodidePackageDir()})`;
  }

  async unavailableReason(stage: ReferenceStage): Promise<string | null> {
    if (!MODEL_STAGES.has(stage)) return null;
    const missing = missingPyodideWheels(MODEL_PACKAGES);
    if (missing.length === 0) return null;
    return (
      `the pyodide runner runs the pure-Python stages (resample, mel, slices) only: '${stage}' needs ${MODEL_PACKAGES.join(' and ')}, ` +
      `and ${missing.join(', ')} ${missing.length > 1 ? 'have' : 'has'} no wheel in ${pyodidePackageDir()} (Pyodide would download it; this runner does not). Use --runner python or uv.`
    );
  }

  async run(stage: ReferenceStage, inputs: Record<string, NDArray>, options: ReferenceRunOptions = {}): Promise<ReferenceResult> {
    const refusal = await this.unavailableReason(stage);
    if (refusal) throw new ReferenceRunError(this.name, stage, refusal);
    const py = await this.load();
    if (MODEL_STAGES.has(stage)) await py.loadPackage([...MODEL_PACKAGES], { messageCallback: () => {} });
    const work = `${PYODIDE_ROOT}/work/${++this.runCount}-${stage}`;
    const inDir = `${work}/in`;
    const outDir = `${work}/out`;
    py.FS.mkdirTree(inDir);
    const paths: Record<string, string> = {};
    for (const [name, array] of Object.entries(inputs)) {
      paths[name] = `${inDir}/${inputFileName(name)}`;
      py.FS.writeFile(paths[name]!, encodeNpy(array));
    }
    const runOptions = { ...options };
    if (options.keras) runOptions.keras = this.mountModel(py, options.keras);
    const args = stageArguments(stage, paths, runOptions, outDir);
    this.stderr = [];
    const main = py.pyimport('mule_reference.cli').main as (argv: unknown) => number;
    const argv = py.toPy(args);
    let status: number;
    try {
      status = main(argv);
    } catch (error) {
      throw new ReferenceRunError(this.name, stage, `Python raised:\n${(error as Error).message}`);
    } finally {
      argv.destroy();
    }
    try {
      const manifestFile = `${outDir}/${REFERENCE_MANIFEST_FILE}`;
      const manifest = py.FS.analyzePath(manifestFile).exists
        ? parseReferenceManifest(py.FS.readFile(manifestFile, { encoding: 'utf8' }) as string, `pyodide:${manifestFile}`)
        : null;
      if (status !== 0 || !manifest || !manifest.ok) {
        throw new ReferenceRunError(this.name, stage, manifest?.error ?? (this.stderr.at(-1) || `exit status ${status}`), manifest);
      }
      const arrays = await collectArrays(manifest, (file) => py.FS.readFile(`${outDir}/${file}`) as Uint8Array, `pyodide:${outDir}`);
      return { arrays, manifest };
    } finally {
      removeTree(py, work);
    }
  }

  async close(): Promise<void> {
    this.pyodide = null;
  }

  private load(): Promise<PyodideAPI> {
    this.pyodide ??= (async () => {
      const { loadPyodide } = await import('pyodide');
      // An explicit indexURL: pyodide's own guess breaks under bundlers and source-mapped test runners.
      const py = await loadPyodide({ indexURL: `${pyodidePackageDir()}/`, stdout: () => {}, stderr: (line) => this.stderr.push(line) });
      const target = `${PYODIDE_ROOT}/mule_reference`;
      py.FS.mkdirTree(target);
      for (const file of readdirSync(REFERENCE_PACKAGE_DIR).filter((f) => f.endsWith('.py'))) {
        py.FS.writeFile(`${target}/${file}`, readFileSync(join(REFERENCE_PACKAGE_DIR, file), 'utf8'));
      }
      py.runPython(`import sys\nsys.path.insert(0, ${JSON.stringify(PYODIDE_ROOT)})`);
      this.version = String(py.version);
      return py;
    })();
    return this.pyodide;
  }

  /** Mounts the model file's directory (read through NODEFS) and returns the file's path inside Pyodide. */
  private mountModel(py: PyodideAPI, keras: string): string {
    const dir = dirname(resolve(keras));
    const mountPoint = `${PYODIDE_ROOT}/model-${this.runCount}`;
    py.FS.mkdirTree(mountPoint);
    py.FS.mount(py.FS.filesystems.NODEFS, { root: dir }, mountPoint);
    return `${mountPoint}/${basename(keras)}`;
  }
}

function removeTree(py: PyodideAPI, path: string): void {
  if (!py.FS.analyzePath(path).exists) return;
  for (const entry of py.FS.readdir(path) as string[]) {
    if (entry === '.' || entry === '..') continue;
    const child = `${path}/${entry}`;
    if (py.FS.isDir(py.FS.stat(child).mode)) removeTree(py, child);
    else py.FS.unlink(child);
  }
  py.FS.rmdir(path);
}
