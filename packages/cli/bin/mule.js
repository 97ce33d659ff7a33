#!/usr/bin/env node
// The `mule` command. In this repository, from the TypeScript sources through tsx (no build step,
// never a stale dist/); in an installed package (inside node_modules), always the compiled dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../src/main.ts', import.meta.url);
const compiled = new URL('../dist/main.js', import.meta.url);

function tsxApi() {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return null;
  }
}

const installed = fileURLToPath(import.meta.url).split(/[\\/]/).includes('node_modules') && existsSync(compiled);
let entry;
const tsx = !installed && existsSync(source) ? tsxApi() : null;
if (tsx) {
  const { register } = await import(tsx);
  register();
  // Workspace packages resolve to their TypeScript sources through the `source` export condition.
  const hook = 'export async function resolve(s, c, next) { return next(s, { ...c, conditions: [...c.conditions, "source"] }); }';
  (await import('node:module')).register(`data:text/javascript,${encodeURIComponent(hook)}`);
  entry = await import(source.href);
} else if (existsSync(compiled)) {
  entry = await import(compiled.href);
} else {
  process.stderr.write('mule: neither dist/main.js (run the build) nor tsx (to run the sources) was found\n');
  process.exit(1);
}
await entry.main();
