#!/usr/bin/env -S npx tsx --conditions=source
// pnpm api [--update]: the public API report of each published package (api-extractor over its
// built dist/index.d.ts, written to packages/<name>/etc/<name>.api.md). Without --update it fails
// when a report differs from the checked-in one, so a change of public API is a visible diff.
import { readWorkspacePackages } from '@mule-ts/release-gate';
import { $, argv, chalk } from 'zx';

const root = new URL('..', import.meta.url).pathname;
const update = argv.update === true;
$.cwd = root;
await $`pnpm -s turbo run build --output-logs=errors-only`;
const published = (await readWorkspacePackages(root)).filter((p) => !p.private);
const changed: string[] = [];
for (const p of published) {
  const run = await $({ cwd: p.dir, nothrow: true, quiet: true })`${root}node_modules/.bin/api-extractor run ${update ? ['--local'] : []}`;
  if (run.exitCode !== 0) {
    changed.push(p.name);
    console.log(chalk.red(`${p.name}: the API report differs from etc/ (or api-extractor failed):`));
    console.log(run.stdout.split('\n').filter((l) => /Warning|Error|differ/i.test(l)).join('\n'));
  } else {
    console.log(`${p.name}: API report ${update ? 'written' : 'unchanged'}`);
  }
}
if (changed.length > 0) {
  console.log(chalk.red(`\nThe public API of ${changed.join(', ')} changed. If that is intended, run pnpm api --update and commit etc/*.api.md (and add a changeset).`));
  process.exitCode = 1;
}
