/**
 * The `python` and `uv` runners: the reference CLI in a subprocess. Both are one code path; only
 * the command prefix differs (`python -m mule_reference` with PYTHONPATH, or `uv run <script>`,
 * whose PEP 723 header makes uv provide numpy and h5py).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, type NDArray } from '../npy/index.js';
import { REFERENCE_ENTRY_SCRIPT, REFERENCE_PYTHON_DIR } from './reference-paths.js';
import { collectArrays, inputFileName, readManifestIfAny, stageArguments } from './reference-protocol.js';
import { ReferenceRunError, type ReferenceResult, type ReferenceRunOptions, type ReferenceRunner, type ReferenceStage } from './types.js';

/** How to start the reference: `command ...prefix <stage args>` with `env` added to the environment. */
export interface ReferenceCommand {
  command: string;
  prefix: string[];
  env: Record<string, string>;
}

/** `python -m mule_reference` with packages/verify/python on PYTHONPATH. */
export function pythonReferenceCommand(python: string, baseEnv: NodeJS.ProcessEnv = process.env): ReferenceCommand {
  const path = baseEnv.PYTHONPATH;
  return {
    command: python,
    prefix: ['-m', 'mule_reference'],
    env: { PYTHONPATH: path ? `${REFERENCE_PYTHON_DIR}:${path}` : REFERENCE_PYTHON_DIR },
  };
}

/** `uv run --quiet <mule_reference/__main__.py>`: uv reads the script's PEP 723 dependencies. */
export function uvReferenceCommand(uv = 'uv'): ReferenceCommand {
  return { command: uv, prefix: ['run', '--quiet', REFERENCE_ENTRY_SCRIPT], env: {} };
}

/** The full argv of one stage run. */
export function referenceArgv(command: ReferenceCommand, stageArgs: readonly string[]): string[] {
  return [command.command, ...command.prefix, ...stageArgs];
}

export interface SubprocessRunnerOptions {
  /** Where per-run work directories go (default the OS temp dir); each is removed after the run. */
  workRoot?: string;
  /** Called with each stderr line of the reference, e.g. for progress. */
  onStderrLine?: (line: string) => void;
}

const EXIT_BAD_INPUT = 2;

export class SubprocessReferenceRunner implements ReferenceRunner {
  constructor(
    readonly name: 'python' | 'uv',
    readonly command: ReferenceCommand,
    private readonly options: SubprocessRunnerOptions = {},
  ) {}

  get description(): string {
    return this.name === 'uv' ? `uv run ${REFERENCE_ENTRY_SCRIPT}` : `${this.command.command} -m mule_reference`;
  }

  async unavailableReason(): Promise<string | null> {
    return null;
  }

  async run(stage: ReferenceStage, inputs: Record<string, NDArray>, options: ReferenceRunOptions = {}): Promise<ReferenceResult> {
    const work = await mkdtemp(join(this.options.workRoot ?? tmpdir(), `mule-reference-${stage}-`));
    try {
      const inDir = join(work, 'in');
      const outDir = join(work, 'out');
      await mkdir(inDir);
      const paths: Record<string, string> = {};
      for (const [name, array] of Object.entries(inputs)) {
        paths[name] = join(inDir, inputFileName(name));
        await writeFile(paths[name]!, encodeNpy(array));
      }
      const args = stageArguments(stage, paths, options, outDir);
      const { status, stderr } = await this.spawn(stage, args);
      const manifest = await readManifestIfAny(outDir);
      if (status !== 0 || !manifest || !manifest.ok) {
        const lastLine = stderr.trim().split('\n').pop() ?? '';
        const why =
          manifest?.error ??
          (status === EXIT_BAD_INPUT ? lastLine : `exit status ${status}${stderr.trim() ? `:\n${stderr.trim().split('\n').slice(-15).join('\n')}` : ''}`);
        throw new ReferenceRunError(this.name, stage, why, manifest);
      }
      const arrays = await collectArrays(manifest, (file) => readFile(join(outDir, file)), outDir);
      return { arrays, manifest };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {}

  private spawn(stage: ReferenceStage, args: string[]): Promise<{ status: number | null; stderr: string }> {
    const [command, ...rest] = referenceArgv(this.command, args);
    return new Promise((resolve, reject) => {
      const child = spawn(command!, rest, { env: { ...process.env, ...this.command.env }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      let pending = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        if (!this.options.onStderrLine) return;
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) this.options.onStderrLine(line);
      });
      child.on('error', (e) => reject(new ReferenceRunError(this.name, stage, `cannot start ${command}: ${e.message}`)));
      child.on('close', (status) => resolve({ status, stderr }));
    });
  }
}
