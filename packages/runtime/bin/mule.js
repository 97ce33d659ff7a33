#!/usr/bin/env node
// The `mule` command. From the TypeScript sources when tsx can be loaded (this repo: no build
// step needed, and never a stale dist/), else from the compiled dist/ (an installed package).
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/cli/main.js', import.meta.url);

function tsxApi() {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return null;
  }
}

let entry;
const tsx = existsSync(source) ? tsxApi() : null;
if (tsx) {
  const { register } = await import(tsx);
  register();
  entry = await import(source.href);
} else if (existsSync(compiled)) {
  entry = await import(compiled.href);
} else {
  process.stderr.write('mule: neither dist/cli/main.js (run the build) nor tsx (to run the sources) was found\n');
  process.exit(1);
}
await entry.main();
