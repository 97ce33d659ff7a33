// operatorTimes on a hand-made trace, and profileOperators on a two-node model onnxruntime runs.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnnxGraphBuilder } from '@mule-ts/convert/internal';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { operatorTimes, profileOperators } from './operator-profile.js';

const node = (op: string, ts: number, dur: number) => ({ cat: 'Node', name: `${op}_node_kernel_time`, ts, dur, args: { op_name: op } });

describe('operator times from an onnxruntime profile', () => {
  it('sums kernel time per op type over the runs after the warm-up', () => {
    const trace = [
      { cat: 'Session', name: 'model_run', ts: 0, dur: 100 },
      node('Conv', 10, 90), // warm-up: left out
      { cat: 'Session', name: 'model_run', ts: 200, dur: 100 },
      node('Conv', 210, 30),
      node('Gelu', 240, 10),
      node('Conv', 250, 20),
      { cat: 'Node', name: 'Conv_fence_before', ts: 260, dur: 5, args: { op_name: 'Conv' } }, // not kernel time
      { cat: 'Session', name: 'model_run', ts: 400, dur: 100 },
      node('Conv', 410, 30),
      node('Gelu', 440, 10),
    ];
    const times = operatorTimes(trace);
    expect(times.map((t) => t.op)).toEqual(['Conv', 'Gelu']);
    expect(times[0]!.share).toBeCloseTo(80 / 100, 12);
    expect(times[0]!.msPerRun).toBeCloseTo(80 / 1000 / 2, 12);
    expect(times[1]!.msPerRun).toBeCloseTo(20 / 1000 / 2, 12);
  });

  it('refuses a trace without a timed run', () => {
    expect(() => operatorTimes([{ cat: 'Session', name: 'model_run', ts: 0, dur: 1 }])).toThrow(/at least 2/);
    expect(() => operatorTimes({})).toThrow(/JSON array/);
  });

  it("reads onnxruntime's own profile of a model it ran", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mule-profile-'));
    try {
      const b = new OnnxGraphBuilder('p');
      const x = b.input('x', [64, 64]);
      b.output(b.node('Relu', [b.matMul(x, x)], {}, 'y'), [64, 64]);
      const file = join(dir, 'm.onnx');
      await writeFile(file, b.encode());
      const times = await profileOperators(file, {}, { x: new ort.Tensor('float32', new Float32Array(64 * 64).fill(0.5), [64, 64]) }, 3, dir);
      expect(times.map((t) => t.op).sort()).toEqual(['MatMul', 'Relu']);
      expect(times.reduce((s, t) => s + t.share, 0)).toBeCloseTo(1, 9);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
