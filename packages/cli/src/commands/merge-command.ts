/** `mule merge SHARD.parquet... --out ALL.parquet [--inputs LIST] [--overwrite]`: see MERGE_USAGE. */
import { isMuleError, mergeShards } from '@mule-ts/runtime';
import { InputError } from '../input-error.js';
import { parseCommandArgs } from '../args/parse-command-args.js';
import { EXIT_OK } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';

export const MERGE_USAGE = `Usage: mule merge SHARD.parquet... --out ALL.parquet [--inputs LIST] [--overwrite]

Merges the Parquet files of one sharded mule embed run into one, after checking that they are every
shard of the run, each complete, disjoint, of one model, and (with --inputs) that together they hold
exactly the run's list. Otherwise it writes nothing and says what is missing or wrong.

  --out FILE       the merged .parquet (written to FILE.partial, then renamed into place)
  --inputs LIST    the run's list of paths: the merged file must hold exactly these files
  --overwrite      replace FILE if it exists
`;

const FLAGS = { out: { type: 'string' }, inputs: { type: 'string' }, overwrite: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

export async function runMergeCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('merge', args, FLAGS);
  if (values.help) {
    io.stdout.write(MERGE_USAGE);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new UsageError('no shard files given (the .parquet files the tasks wrote)', 'merge');
  if (values.out === undefined) throw new UsageError('--out FILE.parquet is required', 'merge');
  if (!values.out.toLowerCase().endsWith('.parquet')) throw new UsageError(`--out ${values.out}: the merged file is a .parquet`, 'merge');
  // Shards that are missing, unfinished or of another run are an input problem found before any work (exit 2).
  const summary = await mergeShards({ shards: positionals, out: values.out, ...(values.inputs ? { inputLists: [values.inputs] } : {}), overwrite: values.overwrite === true }).catch((e: unknown) => {
    if (isMuleError(e) && e.code === 'INVALID_INPUT') throw new InputError(e.message, e.details.hint ?? 'give the .parquet files of every shard of one run');
    throw e;
  });
  io.stderr.write(`merged ${summary.shards} shards: ${summary.files} files (${summary.embedded} embedded, ${summary.failed} failed) -> ${summary.out}\n`);
  return EXIT_OK;
}
