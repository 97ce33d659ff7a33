/** `mule inspect FILE [--json]`: any Keras file's layers, classes, h5 paths and weight shapes. */
import { resolve } from 'node:path';
import { formatInspectTable, inspectKerasFile } from '@mule-ts/convert';
import { parseCommandArgs } from '../args/parse-command-args.js';
import { EXIT_OK } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { requireExisting } from '../input-error.js';
import { UsageError } from '../usage-error.js';

export const INSPECT_USAGE = `Usage: mule inspect FILE [--json]

Lists any Keras file's layers, their classes, the HDF5 path of each weight and its shape (not only
MULE). --json prints only JSON on stdout (for jq and scripts).

  --json   machine-readable output
`;

const FLAGS = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

export async function runInspectCommand(args: readonly string[], io: CliIo, cwd: string): Promise<number> {
  const { values, positionals } = parseCommandArgs('inspect', args, FLAGS);
  if (values.help) {
    io.stdout.write(INSPECT_USAGE);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError(`inspect takes exactly one Keras file (got ${positionals.length})`, 'inspect');
  const file = resolve(cwd, positionals[0]!);
  await requireExisting(file, 'inspect', 'give a Keras file (.keras or .h5)');
  const report = await inspectKerasFile(file);
  io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatInspectTable(report));
  return EXIT_OK;
}
