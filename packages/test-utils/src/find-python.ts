import { spawnSync } from 'node:child_process';

export interface PythonLookup {
  /** The interpreter that imported every requested module, or null. */
  python: string | null;
  /** What was tried, with why each candidate was refused. */
  tried: Array<{ candidate: string; reason: string }>;
}

/**
 * Finds a python3 that can import `modules` (default numpy and h5py): `MULE_PYTHON` first, then
 * Debian's /usr/bin/python3, then whatever `python3`/`python` PATH gives. The first python3 on
 * PATH here is a pyenv build without numpy, so it is never assumed.
 */
export function findPython(modules: string[] = ['numpy', 'h5py']): PythonLookup {
  const candidates = [process.env.MULE_PYTHON, '/usr/bin/python3', 'python3', 'python'].filter(
    (c): c is string => typeof c === 'string' && c.length > 0,
  );
  const tried: PythonLookup['tried'] = [];
  for (const candidate of [...new Set(candidates)]) {
    const r = spawnSync(candidate, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
    if (r.error) {
      tried.push({ candidate, reason: r.error.message });
    } else if (r.status !== 0) {
      tried.push({ candidate, reason: (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`).trim() });
    } else {
      return { python: candidate, tried };
    }
  }
  return { python: null, tried };
}

/** Describes a failed lookup in one line per candidate, for a test's skip message. */
export function describePythonLookup(lookup: PythonLookup): string {
  return lookup.tried.map((t) => `${t.candidate}: ${t.reason}`).join('; ');
}

/** Runs a python script with arguments and returns stdout; throws with stderr on failure. */
export function runPython(python: string, script: string, args: string[] = [], input?: string): string {
  const r = spawnSync(python, ['-c', script, ...args], {
    encoding: 'utf8',
    input,
    maxBuffer: 1 << 30,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`python failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}
