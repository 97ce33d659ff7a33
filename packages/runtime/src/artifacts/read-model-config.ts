import { MuleError, parseModelConfig, type ModelConfig } from '@mule-ts/core';
import { readFile } from 'node:fs/promises';

/** Reads and validates an artifacts directory's config.json. */
export async function readModelConfig(file: string): Promise<ModelConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new MuleError('IO', `${file}: cannot read the model config: ${(cause as Error).message}`, { file, cause });
  }
  return parseModelConfig(text, file);
}
