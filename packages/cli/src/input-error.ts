import { stat } from 'node:fs/promises';

/** An input that is not there or not what it must be, found before any work: exit 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    message: string,
    /** What to do about it, one line. */
    readonly hint: string,
  ) {
    super(message);
  }
}

/** Fails with InputError unless `path` exists and is a file (or a directory). */
export async function requireExisting(path: string, label: string, hint: string, kind: 'file' | 'directory' = 'file'): Promise<void> {
  let isKind: boolean;
  try {
    const s = await stat(path);
    isKind = kind === 'file' ? s.isFile() : s.isDirectory();
  } catch {
    throw new InputError(`${label} ${path}: no such ${kind}`, hint);
  }
  if (!isKind) throw new InputError(`${label} ${path}: not a ${kind}`, hint);
}
