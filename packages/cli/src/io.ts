/** Where a command writes: stdout for results (tables, JSON), stderr for progress, notes and errors. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
}

export const PROCESS_IO: CliIo = { stdout: process.stdout, stderr: process.stderr };
