import type { CliIo } from '../io.js';

/** A CliIo that keeps what a command writes. */
export function captureIo(): CliIo & { stdoutText(): string; stderrText(): string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    stdoutText: () => out.join(''),
    stderrText: () => err.join(''),
  };
}
