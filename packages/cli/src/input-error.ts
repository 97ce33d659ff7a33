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

/** Fails with InputError unless `path` exists and is a file (or a directory, or either with 'any'). */
export async function requireExisting(path: string, label: string, hint: string, kind: 'file' | 'directory' | 'any' = 'file'): Promise<void> {
  let isKind: boolean;
  try {
    const s = await stat(path);
    isKind = kind === 'any' || (kind === 'file' ? s.isFile() : s.isDirectory());
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ELOOP' ? 'a symbolic link loop' : code === 'EACCES' ? 'permission denied' : `no such ${kind === 'any' ? 'file or directory' : kind}`;
    throw new InputError(`${label} ${path}: ${why}`, hint);
  }
  if (!isKind) throw new InputError(`${label} ${path}: not a ${kind}`, hint);
}
