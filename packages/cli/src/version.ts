import { readFileSync } from 'node:fs';

/** This package's version (src/ and dist/ both sit beside package.json). */
export const CLI_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
