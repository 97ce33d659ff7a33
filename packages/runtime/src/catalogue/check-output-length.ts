/** --resume guard: the output must still hold everything its journal says was committed. */
import { MuleError } from '@mule-ts/core';
import { stat } from 'node:fs/promises';

export async function checkHolds(path: string, bytes: number, what: string): Promise<void> {
  const size = (await stat(path).catch(() => null))?.size ?? -1;
  if (size < bytes) {
    throw new MuleError('TRUNCATED', `${path}: the progress journal says ${what} were written but the file ${size < 0 ? 'is missing' : `has only ${size} bytes`}; start again with --overwrite`, {
      file: path,
      expected: bytes,
      found: size,
    });
  }
}
