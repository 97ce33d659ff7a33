#!/usr/bin/env -S npx tsx --conditions=source
// pnpm bench [convert] [--keras FILE] [--rounds N]: benchmarks printed side by side in one run.
import { benchConvert, formatConvertBench } from '@mule-ts/bench';
import { argv, chalk } from 'zx';

const which = argv._[0] ?? 'convert';
const benches: Record<string, () => Promise<string>> = {
  convert: async () =>
    formatConvertBench(
      await benchConvert({
        keras: typeof argv.keras === 'string' ? argv.keras : undefined,
        rounds: argv.rounds ? Number(argv.rounds) : undefined,
      }),
    ),
};
const run = benches[which];
if (!run) {
  console.error(chalk.red(`unknown benchmark '${which}'; available: ${Object.keys(benches).join(', ')}`));
  process.exit(2);
}
console.log(`\n${await run()}`);
