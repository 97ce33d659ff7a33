#!/usr/bin/env -S npx tsx --conditions=source
// pnpm gate: the release gate. Today: typecheck, lint, tests, then full-size fixture -> convert.
// Parity (verify --onnx), pack checks and changeset status join with issue #4.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $, chalk } from 'zx';

$.verbose = true;
const work = await mkdtemp(join(tmpdir(), 'mule-gate-'));
try {
  await $`pnpm -s test`;
  await $`tsx --conditions=source scripts/fixture.ts --size full --seed 1 --out ${join(work, 'model.keras')}`;
  await $`tsx --conditions=source scripts/convert.ts --keras ${join(work, 'model.keras')} --out ${join(work, 'artifacts')}`;
  console.log(chalk.green('gate passed (verify --onnx is not part of it yet: issue #4)'));
} finally {
  await rm(work, { recursive: true, force: true });
}
