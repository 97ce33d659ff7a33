import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** The sha256 of a file read whole, by node:crypto: an independent check of the project's own hashing. */
export async function sha256OfFile(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}
