#!/usr/bin/env -S npx tsx --conditions=source
// pnpm convert --keras FILE [--out DIR] | pnpm convert inspect FILE [--json]
import { runConvertCli } from '@mule-ts/convert';

process.exitCode = await runConvertCli(process.argv.slice(2));
