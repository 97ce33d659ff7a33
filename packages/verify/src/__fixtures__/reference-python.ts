/**
 * Test support for the Python reference in packages/verify/python: spawning it, and building
 * tiny Keras Functional configs (Keras 2 nested-list inbound nodes) by hand.
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/verify/python: the directory to put on PYTHONPATH. */
export const REFERENCE_PYTHON_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../python');

export interface ProcessResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function pythonEnv(): NodeJS.ProcessEnv {
  const path = process.env.PYTHONPATH;
  return { ...process.env, PYTHONPATH: path ? `${REFERENCE_PYTHON_DIR}:${path}` : REFERENCE_PYTHON_DIR };
}

/** `python -m mule_reference ...args`; never throws on a non-zero exit. */
export function runReferenceCli(python: string, args: string[]): ProcessResult {
  const r = spawnSync(python, ['-m', 'mule_reference', ...args], { encoding: 'utf8', env: pythonEnv(), maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a script with mule_reference importable, JSON in on stdin, JSON out on stdout. */
export function runReferenceScript<T>(python: string, script: string, input: unknown = null): T {
  const r = spawnSync(python, ['-c', script], { encoding: 'utf8', env: pythonEnv(), input: JSON.stringify(input), maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`python failed (exit ${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A config.json layer entry as Keras 2.13 writes it (only the keys the reference reads). */
export function kerasLayer(className: string, name: string, config: Record<string, Json>, inboundNodes: Json[]): Record<string, Json> {
  return { class_name: className, config: { name, ...config }, name, inbound_nodes: inboundNodes };
}

/** `[[["a", 0, 0, {}], ...]]`: one call with these input layers. */
export function callOf(...inputs: string[]): Json[] {
  return [inputs.map((n) => [n, 0, 0, {}])];
}

export function inputLayer(name: string, shape: number[]): Record<string, Json> {
  return kerasLayer('InputLayer', name, { batch_input_shape: [null, ...shape], dtype: 'float32' }, []);
}

export function functionalConfig(layers: Record<string, Json>[], input: string, output: string): Record<string, Json> {
  return {
    class_name: 'Functional',
    config: { name: 'model', trainable: true, layers, input_layers: [[input, 0, 0]], output_layers: [[output, 0, 0]] },
  };
}

/** Evaluates a config with in-memory weights in float64 and returns each requested layer's output. */
export const EVALUATE_SCRIPT = `
import json, sys
import numpy as np
from mule_reference.graph_eval import FunctionalGraph, evaluate_graph
req = json.load(sys.stdin)
weights = {k: [np.asarray(w, dtype=np.float32 if req.get("float32_weights") else np.float64) for w in v] for k, v in req["weights"].items()}
try:
    out = evaluate_graph(FunctionalGraph(req["config"]), weights, [np.asarray(x) for x in req["inputs"]], req.get("outputs"))
    print(json.dumps({"ok": True, "outputs": {k: v.tolist() for k, v in out.items()}, "shapes": {k: list(v.shape) for k, v in out.items()}}))
except Exception as e:
    print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}))
`;

export interface EvaluateResult {
  ok: boolean;
  error?: string;
  outputs: Record<string, unknown>;
  shapes: Record<string, number[]>;
}

export function evaluateConfig(
  python: string,
  config: Record<string, Json>,
  weights: Record<string, Json[]>,
  inputs: Json[],
  outputs?: string[],
): EvaluateResult {
  return runReferenceScript<EvaluateResult>(python, EVALUATE_SCRIPT, { config, weights, inputs, outputs: outputs ?? null });
}

/** Flattens nested number arrays. */
export function flat(values: unknown): number[] {
  return Array.isArray(values) ? values.flatMap((v) => flat(v)) : [values as number];
}

