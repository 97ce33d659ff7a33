import { encodeNpyFloat32 } from '@mule-ts/core';
import { writeFile } from 'node:fs/promises';

/** A whole float32 array as a `.npy` file. */
export async function writeNpyFloat32(file: string, data: Float32Array, shape: readonly number[]): Promise<void> {
  await writeFile(file, encodeNpyFloat32(data, shape));
}
