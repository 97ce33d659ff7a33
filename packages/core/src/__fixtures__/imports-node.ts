// A module that must not bundle for the browser (browser-bundle.test.ts checks the check).
import { readFileSync } from 'node:fs';

export const read = (file: string): string => readFileSync(file, 'utf8');
