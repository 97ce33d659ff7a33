/** The process entry of the `mule` bin (bin/mule.js imports this module and calls it). */
import { runMule } from './run-mule.js';

export async function main(): Promise<void> {
  // `mule inspect --json big.keras | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  process.exitCode = await runMule(process.argv.slice(2));
}
