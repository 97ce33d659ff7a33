#!/usr/bin/env -S npx tsx --conditions=source
// pnpm verify [--onnx] [--keras FILE] [--artifacts DIR] [--audio FILE] [--runner python|uv|pyodide] [--thresholds FILE.json] [--out DIR]
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { runVerifyCli } from '@mule-ts/verify';

process.exitCode = await runVerifyCli(process.argv.slice(2), {
  // The default model for --onnx without --keras/--artifacts: the full-size generated fixture, seed 1.
  writeDefaultKeras: async (out) => {
    await writeKerasFixture({ size: 'full', seed: 1, out });
  },
});
