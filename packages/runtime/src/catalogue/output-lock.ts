/**
 * One writer per output: `mule embed` holds a lock file beside its progress journal for the whole
 * run. The lock names its holder (pid, host, start time) and is created atomically with that content
 * (written to a temporary name, then hard-linked into place), so a second run never sees a
 * half-written lock. A lock whose holder is a dead process on this host is taken over, and said so;
 * a lock held by a live process, or by another host (whose processes cannot be checked), refuses.
 */
import { hostname } from 'node:os';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { MuleError } from '@mule-ts/core';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
}

export interface OutputLock {
  readonly path: string;
  /** The dead holder whose lock this run took over, if any. */
  readonly tookOverFrom: LockHolder | null;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

async function readHolder(path: string): Promise<LockHolder | null> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as Partial<LockHolder>;
    return typeof value.pid === 'number' && typeof value.host === 'string' ? { pid: value.pid, host: value.host, startedAt: String(value.startedAt) } : null;
  } catch {
    return null;
  }
}

/** Takes the lock at `path` for `output`, or throws OUTPUT_LOCKED naming the holder. */
export async function acquireOutputLock(path: string, output: string): Promise<OutputLock> {
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(me)}\n`);
  let tookOverFrom: LockHolder | null = null;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(temporary, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new MuleError('IO', `${path}: cannot take the output lock: ${(e as Error).message}`, { file: path, cause: e, hint: 'check that the output directory is writable' });
        }
      }
      const holder = await readHolder(path);
      if (attempt === 0 && holder && holder.host === me.host && !isAlive(holder.pid)) {
        tookOverFrom = holder;
        await rm(path, { force: true });
        continue;
      }
      const who = holder ? `pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}` : 'a holder this lock does not name';
      throw new MuleError('OUTPUT_LOCKED', `${output} is being written by another mule embed (${who})`, {
        file: path,
        found: holder,
        hint:
          holder && holder.host !== me.host
            ? `wait for it to finish; if that process is gone, delete ${path}`
            : 'wait for it to finish or stop it; two runs on one output would mix up its rows',
      });
    }
  } finally {
    await rm(temporary, { force: true });
  }
  let released = false;
  return {
    path,
    tookOverFrom,
    async release() {
      if (released) return;
      released = true;
      const holder = await readHolder(path);
      if (holder?.pid === me.pid && holder.host === me.host) await rm(path, { force: true });
    },
  };
}
