#!/usr/bin/env -S npx tsx --conditions=source
// pnpm convert --keras FILE [--out DIR] | pnpm convert inspect FILE [--json]: aliases of mule convert / mule inspect.
import { runMule } from '@mule-ts/cli';

const args = process.argv.slice(2);
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
process.exitCode = await runMule(args[0] === 'inspect' ? args : ['convert', ...args]);
