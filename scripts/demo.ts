#!/usr/bin/env -S npx tsx --conditions=source
// pnpm demo: the main job end to end on a default input. With no real MULE model at hand, that input
// is a GENERATED model of the same architecture (random weights), clearly labelled as such:
// generate -> convert (safetensors + ONNX) -> verify --onnx -> embed a generated clip.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MuleModel } from '@mule-ts/runtime';
import { ReferencePythonNotFoundError, findReferenceInterpreter, generateTestSignal, upstreamMono } from '@mule-ts/verify';
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
await $`tsx --conditions=source scripts/convert.ts --keras ${model} --out ${out}`;
let reference: string | null = null;
try {
  findReferenceInterpreter();
  reference = 'found';
} catch (e) {
  if (!(e instanceof ReferencePythonNotFoundError)) throw e;
  console.log(chalk.yellow(`\nskipping pnpm verify --onnx: ${e.message}\n(install python3-numpy and python3-h5py to run the independent reference)`));
}
// No --keras: verify finds the source the manifest recorded at conversion (and checks its sha256).
if (reference) await $`tsx --conditions=source scripts/verify.ts --onnx --artifacts ${out}`;

console.log(chalk.bold('\nembedding a generated 7 s clip (16 kHz, upstream amplitude convention) with the runtime'));
// Without the reference nothing could be verified: run the artifacts anyway, saying so.
const mule = await MuleModel.load(out, reference ? {} : { requireVerified: false, onWarning: (m) => console.log(chalk.yellow(`warning: ${m}`)) });
console.log(`  model: ${mule.verification.verified ? mule.verification.reason : `NOT VERIFIED: ${mule.verification.reason}`}`);
try {
  const clip = upstreamMono(generateTestSignal({ seconds: 7, sampleRate: 16_000, seed: 1 }));
  const t0 = performance.now();
  const r = await mule.embed(clip);
  const head = Array.from(r.embedding!.subarray(0, 4), (v) => v.toFixed(4)).join(', ');
  console.log(`  ${r.sliceCount} slices at frames ${r.centres.join(', ')} -> embedding (${r.embeddingDim}) [${head}, ...] in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
} finally {
  await mule.close();
}
console.log(chalk.green(`\ndone: artifacts, parity.json and parity.md in ${out}/`));
