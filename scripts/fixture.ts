#!/usr/bin/env -S npx tsx --conditions=source
// pnpm fixture --size full|small --seed N --out FILE [--format keras|h5]
// Writes a GENERATED SF-NFNet-F0 model file (Keras 2.13.1 layout, seeded random weights) for tests:
// a .keras v3 zip (default) or the legacy HDF5 full-model file (`model.save("model.h5")`).
import { stat } from 'node:fs/promises';
import { argv, chalk } from 'zx';
import { specParameterCount } from '@mule-ts/core';
import { FIXTURE_SPECS, writeKerasFixture, writeLegacyKerasFixture } from '@mule-ts/keras-fixture';
import type { FixtureSize, WriteProgress } from '@mule-ts/keras-fixture';

const USAGE = 'usage: pnpm fixture --size full|small --seed N --out FILE [--format keras|h5]';

function fail(message: string): never {
  console.error(chalk.red(`fixture: ${message}`));
  console.error(USAGE);
  process.exit(2);
}

const known = new Set(['_', 'size', 'seed', 'out', 'format']);
const unknown = Object.keys(argv).filter((k) => !known.has(k));
if (unknown.length > 0) fail(`unknown option(s): ${unknown.map((k) => `--${k}`).join(', ')}`);
if (argv._.length > 0) fail(`unexpected argument(s): ${argv._.join(' ')}`);

const size = argv.size as unknown;
if (size !== 'full' && size !== 'small') fail(`--size must be 'full' or 'small' (got ${JSON.stringify(size ?? null)})`);
const seed = Number(argv.seed);
if (argv.seed === undefined || typeof argv.seed === 'boolean' || !Number.isSafeInteger(seed) || seed < 0) {
  fail(`--seed must be a non-negative integer (got ${JSON.stringify(argv.seed ?? null)})`);
}
const format = (argv.format as unknown) ?? 'keras';
if (format !== 'keras' && format !== 'h5') fail(`--format must be 'keras' or 'h5' (got ${JSON.stringify(format)})`);
const out = argv.out as unknown;
if (typeof out !== 'string' || out.length === 0) fail('--out FILE is required');
if (await stat(out).then((s) => s.isDirectory(), () => false)) fail(`--out ${out} is a directory; give a file name`);

const fixtureSize: FixtureSize = size;
console.log(
  chalk.yellow(
    `Writing a GENERATED ${fixtureSize} SF-NFNet-F0 model with RANDOM weights (seed ${seed}), ${format === 'h5' ? 'legacy HDF5' : '.keras v3'} format.\n` +
      'It has the MULE architecture and the Keras 2.13.1 file layout, but it is NOT the real MULE model.',
  ),
);

const started = performance.now();
let lastPercent = -1;
const onProgress = (p: WriteProgress): void => {
  if (p.phase !== 'weights' || !process.stdout.isTTY) return;
  const percent = Math.floor((100 * p.done) / p.total);
  if (percent !== lastPercent) {
    lastPercent = percent;
    process.stdout.write(`\r  weights ${percent}%`);
  }
};
try {
  const result: { file: string; bytes: number; parameters: number; weightsBytes?: number } =
    format === 'h5'
      ? await writeLegacyKerasFixture({ size: fixtureSize, seed, out, onProgress })
      : await writeKerasFixture({ size: fixtureSize, seed, out, onProgress });
  if (process.stdout.isTTY) process.stdout.write('\r');
  const seconds = (performance.now() - started) / 1000;
  const expected = specParameterCount(FIXTURE_SPECS[fixtureSize]);
  console.log(chalk.green(`wrote ${result.file}`));
  console.log(`  parameters  ${result.parameters.toLocaleString('en-US')} (spec: ${expected.toLocaleString('en-US')})`);
  const weights = result.weightsBytes === undefined ? '' : ` (model.weights.h5: ${result.weightsBytes.toLocaleString('en-US')})`;
  console.log(`  bytes       ${result.bytes.toLocaleString('en-US')}${weights}`);
  console.log(`  time        ${seconds.toFixed(1)} s`);
  console.log(chalk.yellow('  generated model, random weights: not the real MULE model'));
} catch (error) {
  console.error(chalk.red(`fixture: failed to write ${out}: ${error instanceof Error ? error.message : String(error)}`));
  process.exit(1);
}
