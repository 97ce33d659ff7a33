#!/usr/bin/env -S npx tsx --conditions=source
// pnpm demo: the main job end to end on a default input. With no real MULE model at hand, that input
// is a GENERATED model of the same architecture (random weights), clearly labelled as such.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { $, argv, chalk } from 'zx';

$.verbose = true;
const out = join('artifacts', 'demo');
const size = argv.size === 'small' ? 'small' : 'full';
const seed = Number(argv.seed ?? 1);
const model = join(out, `fixture-${size}-seed${seed}.keras`);

console.log(chalk.bold('mule-ts demo'));
console.log(
  chalk.yellow(
    `No real MULE model is used here: step 1 generates ${model}, an SF-NFNet-F0 with the MULE architecture\n` +
      'and RANDOM weights (a test fixture). To convert the real model: pnpm convert --keras path/to/model.keras\n',
  ),
);
await mkdir(out, { recursive: true });
if (!existsSync(model)) {
  await $`tsx --conditions=source scripts/fixture.ts --size ${size} --seed ${seed} --out ${model}`;
} else {
  console.log(`reusing ${model}`);
}
await rm(join(out, 'model.safetensors'), { force: true });
await $`tsx --conditions=source scripts/convert.ts --keras ${model} --out ${out}`;
console.log(chalk.green(`\ndone: artifacts in ${out}/ (model.safetensors, config.json, manifest.json)`));
console.log('Not yet part of the demo: ONNX export and embedding audio (issue #3), parity verification (issue #4).');
