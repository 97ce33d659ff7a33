#!/usr/bin/env -S npx tsx --conditions=source
// pnpm bench [convert|runtime|embed|soak|browser] [--keras FILE] [--artifacts DIR] [--rounds N] [--threads N] [--spin] [--files N]:
// benchmarks printed side by side in one run.
import { benchConvert, benchEmbed, benchRuntime, benchSoak, formatConvertBench, formatEmbedBench, formatRuntimeBench, formatSoakBench } from '@mule-ts/bench';
import { argv, chalk } from 'zx';

const which = argv._[0] ?? 'convert';
const rounds = argv.rounds ? Number(argv.rounds) : undefined;
const benches: Record<string, () => Promise<string>> = {
  convert: async () =>
    formatConvertBench(
      await benchConvert({
        keras: typeof argv.keras === 'string' ? argv.keras : undefined,
        rounds,
      }),
    ),
  runtime: async () =>
    formatRuntimeBench(
      await benchRuntime({
        artifacts: typeof argv.artifacts === 'string' ? argv.artifacts : undefined,
        rounds,
        session: {
          intraOpThreads: argv.threads ? Number(argv.threads) : undefined,
          allowSpinning: argv.spin === true ? true : undefined,
        },
      }),
    ),
  embed: async () =>
    formatEmbedBench(
      await benchEmbed({
        artifacts: typeof argv.artifacts === 'string' ? argv.artifacts : undefined,
        rounds,
      }),
    ),
  browser: async () => {
    // the page's package holds this bench (it builds and serves the page); loaded only when asked for
    const { benchBrowser, formatBrowserBench } = await import('@mule-ts/web-page/bench');
    return formatBrowserBench(await benchBrowser({ artifacts: typeof argv.artifacts === 'string' ? argv.artifacts : undefined, rounds }));
  },
  soak: async () =>
    formatSoakBench(
      await benchSoak({
        artifacts: typeof argv.artifacts === 'string' ? argv.artifacts : undefined,
        files: argv.files ? Number(argv.files) : undefined,
      }),
    ),
};
const run = benches[which];
if (!run) {
  console.error(chalk.red(`unknown benchmark '${which}'; available: ${Object.keys(benches).join(', ')}`));
  process.exit(2);
}
console.log(`\n${await run()}`);
