import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { name: string; version: string };

/** The converter's package name and version, written into every artifact it makes. */
export const CONVERTER = { name: pkg.name, version: pkg.version } as const;
