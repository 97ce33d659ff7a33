/**
 * Finds how to run the reference's numpy stages: `MULE_PYTHON` (authoritative when set), then
 * `uv` when present, then python3 candidates that can import numpy and h5py. Every refusal is kept
 * so the error can say what was tried and why.
 */
import { spawnSync } from 'node:child_process';

export const REFERENCE_PYTHON_MODULES = ['numpy', 'h5py'] as const;
export const DEFAULT_PYTHON_CANDIDATES = ['/usr/bin/python3', 'python3', 'python'] as const;

export interface ProbeResult {
  ok: boolean;
  /** Why it was refused (empty when ok). */
  reason: string;
}

/** Runs `command args` and says whether it exited 0. */
export type CommandProbe = (command: string, args: readonly string[]) => ProbeResult;

export interface TriedInterpreter {
  candidate: string;
  reason: string;
}

export interface ReferenceInterpreter {
  kind: 'python' | 'uv';
  /** The python executable, or the uv executable. */
  command: string;
  /** How it was chosen ('MULE_PYTHON', 'uv on PATH', 'candidate'). */
  source: string;
  tried: TriedInterpreter[];
}

export interface FindInterpreterOptions {
  env?: NodeJS.ProcessEnv;
  probe?: CommandProbe;
  /** Consider uv (default true; false for a python-only lookup). */
  allowUv?: boolean;
  candidates?: readonly string[];
}

export class ReferencePythonNotFoundError extends Error {
  constructor(
    message: string,
    readonly tried: TriedInterpreter[],
  ) {
    super(`${message}\n${tried.map((t) => `  - ${t.candidate}: ${t.reason}`).join('\n')}`);
    this.name = 'ReferencePythonNotFoundError';
  }
}

export const spawnProbe: CommandProbe = (command, args) => {
  const r = spawnSync(command, [...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return { ok: false, reason: (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : r.error.message };
  if (r.status !== 0) {
    const last = r.stderr.trim().split('\n').pop()?.trim();
    return { ok: false, reason: last && last.length > 0 ? last : `exit status ${r.status}` };
  }
  return { ok: true, reason: '' };
};

const IMPORT_CHECK = ['-c', `import ${REFERENCE_PYTHON_MODULES.join(', ')}`];

function probePython(probe: CommandProbe, candidate: string): ProbeResult {
  return probe(candidate, IMPORT_CHECK);
}

/** `uv` on PATH, or null with the reason recorded in `tried`. */
export function findUv(options: FindInterpreterOptions = {}, tried: TriedInterpreter[] = []): string | null {
  const probe = options.probe ?? spawnProbe;
  const r = probe('uv', ['--version']);
  if (r.ok) return 'uv';
  tried.push({ candidate: 'uv', reason: r.reason });
  return null;
}

export function findReferenceInterpreter(options: FindInterpreterOptions = {}): ReferenceInterpreter {
  const env = options.env ?? process.env;
  const probe = options.probe ?? spawnProbe;
  const tried: TriedInterpreter[] = [];
  const explicit = env.MULE_PYTHON;
  if (explicit !== undefined && explicit.length > 0) {
    const r = probePython(probe, explicit);
    if (r.ok) return { kind: 'python', command: explicit, source: 'MULE_PYTHON', tried };
    tried.push({ candidate: `MULE_PYTHON=${explicit}`, reason: r.reason });
    throw new ReferencePythonNotFoundError('MULE_PYTHON is set but cannot run the reference (unset it to search, or point it at a python3 with numpy and h5py):', tried);
  }
  tried.push({ candidate: 'MULE_PYTHON', reason: 'not set' });
  if (options.allowUv !== false) {
    const uv = findUv({ probe }, tried);
    if (uv) return { kind: 'uv', command: uv, source: 'uv on PATH', tried };
  }
  for (const candidate of [...new Set(options.candidates ?? DEFAULT_PYTHON_CANDIDATES)]) {
    const r = probePython(probe, candidate);
    if (r.ok) return { kind: 'python', command: candidate, source: 'candidate', tried };
    tried.push({ candidate, reason: r.reason });
  }
  throw new ReferencePythonNotFoundError(
    'no way to run the Python reference: install uv, or a python3 with numpy and h5py (Debian: apt install python3-numpy python3-h5py), or set MULE_PYTHON. Tried:',
    tried,
  );
}
