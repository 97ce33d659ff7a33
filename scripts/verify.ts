#!/usr/bin/env -S npx tsx --conditions=source
// pnpm verify [options]: an alias of mule verify, plus the repository's default model for --onnx
// without --keras or --artifacts (the full-size generated fixture, seed 1).
import { runMule } from '@mule-ts/cli';
import { writeKerasFixture } from '@mule-ts/keras-fixture';

process.exitCode = await runMule(['verify', ...process.argv.slice(2)], {
  verify: {
    writeDefaultKeras: async (out) => {
      await writeKerasFixture({ size: 'full', seed: 1, out });
    },
  },
});
