/**
 * All-or-nothing output into a directory that may hold other files: each output is written to a
 * temporary name beside its final one, and `commit` renames them all into place. Any failure
 * (or SIGINT/SIGTERM) before the commit completes leaves the directory as it was: temps deleted,
 * files replaced in a failed commit restored, and the directory removed if this created it.
 *
 * commit and abort are synchronous on purpose: no event-loop turn separates the renames, so a
 * signal handler can never observe a half-done commit.
 */
import { MuleError } from '@mule-ts/core';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, renameSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { registerSignalCleanup } from './signal-cleanup.js';

export interface StagedOutput {
  /** The directory outputs land in. */
  readonly dir: string;
  /** The temporary path to write `name` to (the same path each time for the same name). */
  pathFor(name: string): string;
  /** Renames every staged file onto its final name; on failure rolls back, aborts and throws. */
  commit(): void;
  /** Deletes every staged temp (and the directory, if this created it and it is now empty). */
  abort(): void;
}

/** `.name.tmp-<pid>-<random>`: hidden, unique per process and call. */
export function temporaryNameFor(name: string, kind: 'tmp' | 'bak' = 'tmp'): string {
  return `.${name}.${kind}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

export function createStagedOutput(dir: string): StagedOutput {
  const root = resolve(dir);
  let firstCreated: string | undefined;
  try {
    firstCreated = mkdirSync(root, { recursive: true });
  } catch (cause) {
    throw new MuleError('IO', `${root}: cannot create the output directory: ${(cause as Error).message}`, { file: root, cause });
  }
  const staged = new Map<string, string>();
  let state: 'open' | 'committed' | 'aborted' = 'open';

  const abort = (): void => {
    if (state !== 'open') return;
    state = 'aborted';
    unregister();
    for (const temp of staged.values()) removeIfPresent(temp);
    if (firstCreated !== undefined) removeEmptyDirectories(root, firstCreated);
  };
  const unregister = registerSignalCleanup(abort);

  const commit = (): void => {
    if (state !== 'open') throw new MuleError('IO', `${root}: staged output already ${state}`, { file: root });
    const done: Array<{ final: string; backup: string | undefined }> = [];
    try {
      for (const [name, temp] of staged) {
        const final = join(root, name);
        if (!existsSync(temp)) throw new MuleError('IO', `${final}: was staged but never written (no ${temp})`, { file: final });
        const backup = existsSync(final) ? keepPrevious(final, join(root, temporaryNameFor(name, 'bak'))) : undefined;
        try {
          renameSync(temp, final);
        } catch (cause) {
          if (backup !== undefined) removeIfPresent(backup);
          throw new MuleError('IO', `${final}: cannot move the staged file into place: ${(cause as Error).message}`, { file: final, cause });
        }
        done.push({ final, backup });
      }
    } catch (error) {
      for (const { final, backup } of done.reverse()) {
        try {
          if (backup !== undefined) renameSync(backup, final);
          else removeIfPresent(final);
        } catch {
          // keep undoing the others; the original error is what the caller needs
        }
      }
      abort();
      throw error;
    }
    for (const { backup } of done) if (backup !== undefined) removeIfPresent(backup);
    state = 'committed';
    unregister();
  };

  return {
    dir: root,
    pathFor(name) {
      if (state !== 'open') throw new MuleError('IO', `${root}: staged output already ${state}`, { file: root });
      if (!isPlainFileName(name)) throw new MuleError('IO', `${root}: output name ${JSON.stringify(name)} must be a plain file name`, { file: root });
      let temp = staged.get(name);
      if (temp === undefined) {
        temp = join(root, temporaryNameFor(name));
        staged.set(name, temp);
      }
      return temp;
    },
    commit,
    abort,
  };
}

/** Runs `produce` with a staged output; commits when it resolves, aborts when it throws. */
export async function withStagedOutput<T>(dir: string, produce: (output: StagedOutput) => Promise<T>): Promise<T> {
  const output = createStagedOutput(dir);
  let result: T;
  try {
    result = await produce(output);
  } catch (error) {
    output.abort();
    throw error;
  }
  output.commit();
  return result;
}

/**
 * Keeps the file about to be replaced under a second name, so a failed commit can restore it.
 * A hard link leaves `final` in place (readers never see it missing); a copy is the fallback
 * on file systems without links.
 */
function keepPrevious(final: string, backup: string): string {
  if (!statSync(final).isFile()) {
    throw new MuleError('IO', `${final}: exists and is not a file, refusing to replace it`, { file: final });
  }
  try {
    linkSync(final, backup);
  } catch {
    copyFileSync(final, backup);
  }
  return backup;
}

function isPlainFileName(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
  }
}

/** Removes `dir` and its parents up to `top` while they are empty. */
function removeEmptyDirectories(dir: string, top: string): void {
  for (let d = dir; ; d = dirname(d)) {
    try {
      rmdirSync(d);
    } catch {
      return;
    }
    if (d === top || relative(top, d).startsWith('..')) return;
  }
}
