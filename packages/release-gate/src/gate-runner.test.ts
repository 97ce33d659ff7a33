import { describe, expect, it } from 'vitest';
import { renderGateSummary, runGate, type GateStep } from './gate-runner.js';

/** A clock that advances by the given milliseconds each time it is read. */
function steppingClock(stepsMs: number[]): () => number {
  let t = 0;
  let i = 0;
  return () => (t += stepsMs[i++] ?? 0);
}

describe('runGate', () => {
  it('runs every step in order and times each one', async () => {
    const ran: string[] = [];
    const steps: GateStep[] = ['typecheck', 'lint', 'test'].map((name) => ({ name, run: async () => void ran.push(name) }));
    const lines: string[] = [];
    // clock reads: start, (step start, step end) x3, end
    const result = await runGate(steps, { log: (l) => lines.push(l), now: steppingClock([0, 0, 1500, 0, 250, 0, 4000, 0]) });

    expect(ran).toEqual(['typecheck', 'lint', 'test']);
    expect(result.passed).toBe(true);
    expect(result.failure).toBeUndefined();
    expect(result.steps).toEqual([
      { name: 'typecheck', status: 'pass', seconds: 1.5 },
      { name: 'lint', status: 'pass', seconds: 0.25 },
      { name: 'test', status: 'pass', seconds: 4 },
    ]);
    expect(result.seconds).toBeCloseTo(5.75, 9);
    expect(lines).toContain('== typecheck: ok in 1.5 s');
  });

  it('stops at the first failure, names it with the first line of its error, and skips the rest', async () => {
    const ran: string[] = [];
    const steps: GateStep[] = [
      { name: 'typecheck', run: async () => void ran.push('typecheck') },
      {
        name: 'verify --onnx',
        run: async () => {
          ran.push('verify');
          throw new Error('\nexit code 1: backbone failed\n  details that stay in the log');
        },
      },
      { name: 'pack', run: async () => void ran.push('pack') },
    ];
    const result = await runGate(steps, { log: () => {} });

    expect(ran).toEqual(['typecheck', 'verify']);
    expect(result.passed).toBe(false);
    expect(result.failure).toEqual({ step: 'verify --onnx', message: 'exit code 1: backbone failed' });
    expect(result.steps.map((s) => s.status)).toEqual(['pass', 'fail', 'not-run']);
  });

  it('names the exit code of a failed subprocess rather than its output', async () => {
    const processOutput = Object.assign(new Error('@pkg:lint: ERROR lots of output'), { exitCode: 2 });
    const result = await runGate([{ name: 'lint', run: () => Promise.reject(processOutput) }], { log: () => {} });
    expect(result.failure).toEqual({ step: 'lint', message: 'command exited with code 2 (its output is above)' });
  });

  it('reports a thrown non-Error value too', async () => {
    const result = await runGate([{ name: 'odd', run: () => Promise.reject('plain string') }], { log: () => {} });
    expect(result.failure).toEqual({ step: 'odd', message: 'plain string' });
  });
});

describe('renderGateSummary', () => {
  it('lists each step with its time and status, the total, and the verdict', () => {
    const text = renderGateSummary({
      passed: false,
      steps: [
        { name: 'typecheck', status: 'pass', seconds: 12.34 },
        { name: 'test', status: 'fail', seconds: 3 },
        { name: 'pack @mule-ts/runtime', status: 'not-run', seconds: 0 },
      ],
      failure: { step: 'test', message: 'pnpm test exited with code 1' },
      seconds: 15.34,
    });
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/^ {2}typecheck +12\.3 s {2}pass$/);
    expect(lines[2]).toMatch(/^ {2}test +3\.0 s {2}fail$/);
    expect(lines[3]).toMatch(/^ {2}pack @mule-ts\/runtime +- {2}not-run$/);
    expect(lines[4]).toMatch(/^ {2}total +15\.3 s$/);
    expect(lines.at(-1)).toBe("gate FAILED at 'test': pnpm test exited with code 1");
  });

  it('says the gate passed when it did', () => {
    const text = renderGateSummary({ passed: true, steps: [{ name: 'lint', status: 'pass', seconds: 1 }], seconds: 1 });
    expect(text.split('\n').at(-1)).toBe('gate passed: all 1 step(s)');
  });
});
