/**
 * What `mule embed` checks before it writes anything: that every input it was given exists, and
 * that the output is either new, or an earlier run of this tool (its progress journal beside it)
 * continued with resume or restarted with overwrite. A file this tool did not write is never
 * replaced without overwrite.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { MuleError } from '@mule-ts/core';
import type { CatalogueOutputKind } from './embedding-output.js';

/** The progress journal of an output (`resume` reads it). */
export function journalPathFor(out: string, kind: CatalogueOutputKind): string {
  return kind === 'dir' ? join(outputDirOf(out), 'progress.jsonl') : `${out}.progress.jsonl`;
}

export function outputDirOf(out: string): string {
  return out.replace(/\/+$/, '') || '/';
}

/** INVALID_INPUT naming the first input path that does not exist. */
export async function checkInputsExist(inputs: readonly string[]): Promise<void> {
  for (const input of inputs) {
    try {
      await stat(input);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file or directory' : code === 'ELOOP' ? 'a symbolic link loop' : code === 'EACCES' ? 'permission denied' : (cause as Error).message;
      throw new MuleError('INVALID_INPUT', `input ${input}: ${why}`, { file: input, cause, hint: 'check the path: mule embed takes audio files and directories of them' });
    }
  }
}

/** OUTPUT_EXISTS unless writing `out` destroys nothing the user did not ask to replace. */
export async function checkOutputIsOurs(out: string, kind: CatalogueOutputKind, mode: { resume: boolean; overwrite: boolean }, ignore: readonly string[] = []): Promise<void> {
  if (mode.overwrite) return;
  const journal = journalPathFor(out, kind);
  if (existsSync(journal)) {
    if (mode.resume) return;
    throw new MuleError('OUTPUT_EXISTS', `${out} holds an earlier run (${journal})`, {
      file: journal,
      hint: 'pass --resume to continue it or --overwrite to start again',
    });
  }
  let present: boolean;
  if (kind === 'dir') {
    const entries = await readdir(outputDirOf(out)).catch(() => [] as string[]);
    present = entries.some((e) => !ignore.includes(e));
  } else {
    present = existsSync(out);
  }
  if (present) {
    throw new MuleError('OUTPUT_EXISTS', `${out} exists and was not written by mule embed (there is no progress journal ${basename(journal)} beside it)${mode.resume ? ', so there is nothing to resume' : ''}`, {
      file: out,
      hint: 'choose another --out, or pass --overwrite to replace it',
    });
  }
}
