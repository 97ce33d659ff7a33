/**
 * The `mule` command line: `mule <convert|inspect|verify|embed|merge> [options]`. Every error is printed
 * here, once, in one format (see report-error.ts); the return value is the exit code.
 */
import type { VerifyHooks } from '@mule-ts/verify';
import { closestName } from './args/did-you-mean.js';
import { runConvertCommand } from './commands/convert-command.js';
import { runEmbedCommand } from './commands/embed-command.js';
import { runInspectCommand } from './commands/inspect-command.js';
import { runMergeCommand } from './commands/merge-command.js';
import { runVerifyCommand } from './commands/verify-command.js';
import { EXIT_OK } from './exit-codes.js';
import { PROCESS_IO, type CliIo } from './io.js';
import { reportError } from './report-error.js';
import { UsageError } from './usage-error.js';
import { CLI_VERSION } from './version.js';

export const MULE_USAGE = `Usage: mule <command> [options]

Commands:
  convert   convert a MULE Keras model to safetensors + ONNX artifacts   (mule convert --help)
  inspect   list any Keras file's layers and weights                      (mule inspect --help)
  verify    prove the artifacts stage by stage against the reference      (mule verify --help)
  embed     embed audio files with verified artifacts                     (mule embed --help)
  merge     merge the Parquet shards of one sharded embed run              (mule merge --help)

  mule --version   prints the version

Exit codes: 0 success; 1 an error, or a verification that failed or did not complete; 2 a usage or
input problem found before any work; 3 mule embed completed but some files failed.
`;

const COMMANDS = ['convert', 'inspect', 'verify', 'embed', 'merge'] as const;

export interface RunMuleOptions {
  io?: CliIo;
  /** Base of relative paths for convert, inspect and verify (default: process.cwd()); embed keeps its paths as given, since its shards hash them. */
  cwd?: string;
  /** What `mule verify` may need from the repository (the default fixture writer) and test seams. */
  verify?: Omit<VerifyHooks, 'onProgress'>;
}

export async function runMule(argv: readonly string[], options: RunMuleOptions = {}): Promise<number> {
  const io = options.io ?? PROCESS_IO;
  const cwd = options.cwd ?? process.cwd();
  const [command, ...rest] = argv;
  try {
    if (command === undefined) throw new UsageError('no command given (convert, inspect, verify, embed or merge)');
    if (command === '--help' || command === '-h' || command === 'help') {
      io.stdout.write(MULE_USAGE);
      return EXIT_OK;
    }
    if (command === '--version' || command === '-v') {
      io.stdout.write(`${CLI_VERSION}\n`);
      return EXIT_OK;
    }
    switch (command) {
      case 'convert':
        return await runConvertCommand(rest, io, cwd);
      case 'inspect':
        return await runInspectCommand(rest, io, cwd);
      case 'verify':
        return await runVerifyCommand(rest, io, cwd, options.verify);
      case 'embed':
        return await runEmbedCommand(rest, io);
      case 'merge':
        return await runMergeCommand(rest, io);
      default: {
        const near = closestName(command, COMMANDS);
        throw new UsageError(`unknown command ${JSON.stringify(command)}${near ? ` (did you mean ${near}?)` : ''}`);
      }
    }
  } catch (error) {
    const { text, exitCode } = reportError(error);
    io.stderr.write(text);
    return exitCode;
  }
}
