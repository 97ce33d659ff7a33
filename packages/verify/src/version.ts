import { readFileSync } from 'node:fs';

/** This package's name and version (src/ and dist/ both sit beside package.json). */
export const VERIFY_TOOL: { name: string; version: string } = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
})();
