/**
 * The machine's float32 matmul rate, the yardstick for the backbone's GFLOP/s: an n×n MatMul run by
 * onnxruntime itself with the backbone's session settings, and, when a python3 with numpy is found,
 * numpy's `a @ b` on as many BLAS threads.
 */
import { spawn, spawnSync } from 'node:child_process';
import { OnnxGraphBuilder } from '@mule-ts/convert/internal';
import * as ort from 'onnxruntime-node';
import type { RunTimes } from './measure.js';

export const MATMUL_SIZE = 2048;

export function matmulFlops(n: number): number {
  return 2 * n ** 3;
}

/** Deterministic values in [-1, 1) (a 32-bit LCG): reproducible inputs without a dependency. */
export function pseudoRandom(count: number, seed = 1): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

/** An n×n float32 MatMul (constant B) in one ORT session. */
export class OrtMatmul {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly input: ort.Tensor,
    readonly n: number,
  ) {}

  static async open(sessionOptions: ort.InferenceSession.SessionOptions, n = MATMUL_SIZE): Promise<OrtMatmul> {
    const b = new OnnxGraphBuilder('matmul_reference');
    const a = b.input('a', [n, n]);
    const w = b.floatTensor('b', pseudoRandom(n * n, 2), [n, n]);
    b.output(b.matMul(a, w, 'c'), [n, n]);
    const session = await ort.InferenceSession.create(b.encode(), sessionOptions);
    const matmul = new OrtMatmul(session, new ort.Tensor('float32', pseudoRandom(n * n, 3), [n, n]), n);
    await matmul.run(); // warm-up: prepacking, thread pool start
    return matmul;
  }

  async run(): Promise<void> {
    await this.session.run({ a: this.input });
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

const NUMPY_SCRIPT = `
import json, sys, time
import numpy as np
n, reps = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
a = rng.random((n, n), dtype=np.float32)
b = rng.random((n, n), dtype=np.float32)
a @ b
wall, cpu = [], []
for _ in range(reps):
    t, c = time.perf_counter(), time.process_time()
    a @ b
    wall.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
print(json.dumps({"wall": wall, "cpu": cpu}))
`;

/** A python3 with numpy: `MULE_PYTHON`, else Debian's `/usr/bin/python3`; null when neither has numpy. */
export function findNumpyPython(): string | null {
  const candidates = [process.env.MULE_PYTHON, '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import numpy'], { stdio: 'ignore', timeout: 30_000 });
    if (probe.status === 0) return python;
  }
  return null;
}

/**
 * Times numpy's float32 `a @ b` `reps` times in one python process with `threads` BLAS threads
 * (OpenBLAS, MKL and OpenMP variables all set).
 */
export async function timeNumpyMatmul(python: string, threads: number, reps: number, n = MATMUL_SIZE): Promise<RunTimes> {
  const t = String(threads);
  const env = { ...process.env, OPENBLAS_NUM_THREADS: t, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t };
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', NUMPY_SCRIPT, String(n), String(reps)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${python}: numpy matmul exited with ${code}: ${err.trim()}`));
      resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as RunTimes);
    });
  });
}
