/**
 * `--inputs LIST`: the catalogue as a file of paths, one per line (UTF-8; blank lines and lines
 * starting with # are skipped; paths as written, relative ones from the working directory). Every
 * shard of a job reads the same list, so no task walks a shared volume, and a file's shard depends
 * only on its path as written. Entries are files: they are not stat'ed up front (a million-line list
 * costs no million stats per task); one that is missing fails as that file, in the report.
 */
import { readFile } from 'node:fs/promises';
import { MuleError } from '@mule-ts/core';

export async function readInputList(list: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(list, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new MuleError('INVALID_INPUT', `--inputs ${list}: ${code === 'ENOENT' ? 'no such file' : (cause as Error).message}`, { file: list, cause, hint: 'give a text file with one audio path per line' });
  }
  if (text.includes('\0')) throw new MuleError('INVALID_INPUT', `--inputs ${list}: not a text file (it holds NUL bytes)`, { file: list, hint: 'give a text file with one audio path per line' });
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
}
