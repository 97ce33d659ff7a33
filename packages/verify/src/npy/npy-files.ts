/** `.npy` files on disk, through core's codec. */
import { decodeNpy, encodeNpy, type NDArray } from '@mule-ts/core';
import { readFile, writeFile } from 'node:fs/promises';

export async function readNpy(path: string): Promise<NDArray> {
  return decodeNpy(await readFile(path), path);
}

export async function writeNpy(path: string, array: NDArray): Promise<void> {
  await writeFile(path, encodeNpy(array));
}
