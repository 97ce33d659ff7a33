/** Where a command writes: stdout for results (tables, JSON), stderr for progress, notes and errors. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** The environment a command reads (e.g. a job scheduler's variables for --shard auto); default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export const PROCESS_IO: CliIo = { stdout: process.stdout, stderr: process.stderr };
