#!/usr/bin/env -S npx tsx --conditions=source
// pnpm convert --keras FILE [--out DIR] | pnpm convert inspect FILE [--json]
import { runConvertCli } from '@mule-ts/convert';

// `pnpm convert inspect big.keras | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
process.exitCode = await runConvertCli(process.argv.slice(2));
