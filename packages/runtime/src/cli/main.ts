/**
 * The `mule` command line: `mule embed ...` (see EMBED_USAGE). Errors are printed once, here.
 */
import { isMuleError } from '@mule-ts/core';
import { EMBED_USAGE, parseEmbedArgs } from './embed-args.js';
import { defaultJobs, EXIT_FATAL, EXIT_OK, EXIT_USAGE, runEmbedCommand } from './embed-command.js';
import { UsageError } from './usage-error.js';

const USAGE = `Usage: mule <command> [options]

Commands:
  embed     embed audio files with a converted MULE model (mule embed --help)
`;

export async function runMule(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (command !== 'embed') {
    process.stderr.write(`mule: unknown command ${JSON.stringify(command)}\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${EMBED_USAGE}\n`);
    return EXIT_OK;
  }
  try {
    const cmd = parseEmbedArgs(rest, defaultJobs());
    return (await runEmbedCommand(cmd)).exitCode;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`mule embed: ${e.message}\n(mule embed --help for the options)\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`mule embed: ${isMuleError(e) || e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_FATAL;
  }
}

/** The process entry (bin/mule.js imports this module and calls it). */
export async function main(): Promise<void> {
  process.exitCode = await runMule(process.argv.slice(2));
}
