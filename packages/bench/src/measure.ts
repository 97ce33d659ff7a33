import { spawn } from 'node:child_process';

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/** Seconds per run: wall clock, and CPU time of the process (all its threads), run by run. */
export interface RunTimes {
  wall: number[];
  cpu: number[];
}

export function emptyRunTimes(): RunTimes {
  return { wall: [], cpu: [] };
}

/**
 * Runs `fn` once and appends its wall and this process's CPU seconds to `into`. With no spinning
 * threads the CPU time is the work done, which other processes on the same cores change much
 * less than the wall time (cache and memory-bandwidth sharing still show).
 */
export async function timeRun(fn: () => Promise<unknown> | unknown, into: RunTimes): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  into.wall.push((performance.now() - t0) / 1000);
  const c = process.cpuUsage(c0);
  into.cpu.push((c.user + c.system) / 1e6);
}

export interface ChildResult<T> {
  result: T;
  /** Peak resident set size of the child, bytes. */
  maxRssBytes: number;
}

/**
 * Runs a TypeScript module in a fresh Node process (so its peak RSS is its own) and parses the
 * JSON line it prints last on stdout.
 */
export async function runChild<T>(module: string, args: string[]): Promise<ChildResult<T>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', module, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${module} exited with ${code}`));
      const last = out.trim().split('\n').pop() ?? '{}';
      resolve(JSON.parse(last) as ChildResult<T>);
    });
  });
}
