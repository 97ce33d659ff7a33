/** Builds the runner a user asked for (`--runner python|uv|pyodide`). */
import { findReferenceInterpreter, findUv, ReferencePythonNotFoundError, type FindInterpreterOptions, type TriedInterpreter } from './find-python.js';
import { PyodideReferenceRunner } from './pyodide-runner.js';
import { pythonReferenceCommand, SubprocessReferenceRunner, uvReferenceCommand, type SubprocessRunnerOptions } from './subprocess-runner.js';
import type { ReferenceRunner } from './types.js';

export type RunnerName = 'python' | 'uv' | 'pyodide';
export const RUNNER_NAMES: readonly RunnerName[] = ['python', 'uv', 'pyodide'];

export interface CreateRunnerOptions extends FindInterpreterOptions, SubprocessRunnerOptions {}

/**
 * 'python': MULE_PYTHON, else uv when present (then the runner is uv), else a python3 candidate
 * with numpy and h5py. 'uv': uv only. 'pyodide': in process.
 */
export function createReferenceRunner(name: RunnerName, options: CreateRunnerOptions = {}): ReferenceRunner {
  if (name === 'pyodide') return new PyodideReferenceRunner();
  if (name === 'uv') {
    const tried: TriedInterpreter[] = [];
    const uv = findUv(options, tried);
    if (!uv) throw new ReferencePythonNotFoundError('--runner uv: uv is not on PATH (install it from https://docs.astral.sh/uv/ or use --runner python):', tried);
    return new SubprocessReferenceRunner('uv', uvReferenceCommand(uv), options);
  }
  const found = findReferenceInterpreter(options);
  return found.kind === 'uv'
    ? new SubprocessReferenceRunner('uv', uvReferenceCommand(found.command), options)
    : new SubprocessReferenceRunner('python', pythonReferenceCommand(found.command, options.env), options);
}
