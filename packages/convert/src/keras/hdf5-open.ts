/**
 * Opens HDF5 bytes read-only with h5wasm, through Emscripten's in-memory file system, from one of
 * two places: bytes already in memory (an inflated zip member), or a byte range of a file on disk
 * (a legacy `.h5`, or the stored `model.weights.h5` member of a `.keras` zip), read in place: HDF5's
 * reads become `pread`s of that range, so only what it asks for is read, and nothing is copied
 * whole into memory or written to disk.
 */
import { MuleError } from '@mule-ts/core';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import h5wasm, { Module } from 'h5wasm';
import type { File as H5File } from 'h5wasm';
import { hdf5ErrorReason, withHdf5Errors } from './hdf5-errors.js';

export interface OpenedHdf5 {
  file: H5File;
  /** The first failure reading the underlying file (e.g. it shrank), for error messages. */
  readFailure(): MuleError | null;
  /** Closes the HDF5 handle, removes the file system entry and closes the file on disk. */
  close(): void;
}

/** Where HDF5 bytes lie in a file. */
export interface FileRange {
  start: number;
  length: number;
}

let opened = 0;

/**
 * HDF5 bytes in memory. MEMFS takes them over without a copy, so the caller must not change them
 * while the file is open. `label` names the file in error messages (the user's file, plus the zip
 * member for a `.keras`).
 */
export async function openHdf5Bytes(bytes: Uint8Array, label: string): Promise<OpenedHdf5> {
  const { FS } = await h5wasm.ready;
  const path = nextPath();
  const stream = FS.open(path, 'w+');
  try {
    FS.write(stream, bytes, 0, bytes.length, 0, true);
  } finally {
    FS.close(stream);
  }
  return openRegistered(path, label, () => FS.unlink(path), () => null);
}

/** HDF5 bytes at `range` of `file` (the whole file when `range` is omitted), read in place. */
export async function openHdf5InFile(file: string, label: string, range?: FileRange): Promise<OpenedHdf5> {
  const FS = (await h5wasm.ready).FS as unknown as EmscriptenFsInternals & typeof Module.FS;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (cause) {
    throw new MuleError('IO', `Cannot open ${file}: ${(cause as Error).message}`, { file, cause });
  }
  let failure: MuleError | null = null;
  const fail = (error: MuleError): never => {
    failure ??= error;
    throw new FS.ErrnoError(EIO);
  };
  const path = nextPath();
  try {
    const { start, length } = range ?? { start: 0, length: fstatSync(fd).size };
    FS.writeFile(path, new Uint8Array(0));
    const node = FS.lookupPath(path).node;
    // A MEMFS file whose size is the range's and whose reads go to the file: HDF5 sees an
    // ordinary read-only file of that size.
    node.usedBytes = length;
    node.stream_ops = {
      ...node.stream_ops,
      read: (_stream: unknown, buffer: Uint8Array, offset: number, count: number, position: number): number => {
        const wanted = Math.max(0, Math.min(count, length - position));
        let got = 0;
        while (got < wanted) {
          let n: number;
          try {
            n = readSync(fd, buffer, offset + got, wanted - got, start + position + got);
          } catch (cause) {
            return fail(new MuleError('IO', `Cannot read ${label} at byte ${position + got}: ${(cause as Error).message}`, { file: label, cause }));
          }
          if (n === 0) {
            return fail(
              new MuleError('TRUNCATED', `${label} became shorter while it was read: byte ${position + got} of ${length} is missing`, {
                file: label,
                expected: length,
                found: position + got,
              }),
            );
          }
          got += n;
        }
        return got;
      },
      write: () => {
        throw new FS.ErrnoError(EPERM);
      },
    };
  } catch (error) {
    if (FS.analyzePath(path).exists) FS.unlink(path);
    closeSync(fd);
    throw error;
  }
  return openRegistered(
    path,
    label,
    () => {
      FS.unlink(path);
      closeSync(fd);
    },
    () => failure,
  );
}

/** The HDF5 files opened here and not yet closed (for tests proving that `close()` frees them). */
export function openedHdf5Files(): string[] {
  return Module === undefined ? [] : Module.FS.readdir('/').filter((name: string) => /^mule-\d+\.h5$/.test(name));
}

/** Emscripten's errno numbers (not the host's). */
const EIO = 29;
const EPERM = 63;

/** The parts of Emscripten's FS used here that its typings leave out. */
interface EmscriptenFsInternals {
  lookupPath(path: string): { node: { usedBytes: number; stream_ops: Record<string, unknown> } };
  ErrnoError: new (errno: number) => Error;
  analyzePath(path: string): { exists: boolean };
}

function nextPath(): string {
  return `/mule-${++opened}.h5`;
}

function openRegistered(path: string, label: string, release: () => void, readFailure: () => MuleError | null): OpenedHdf5 {
  let file: H5File;
  try {
    file = withHdf5Errors(
      () => new h5wasm.File(path, 'r'),
      (cause) => readFailure() ?? new MuleError('TRUNCATED', `${label} is a truncated or corrupt HDF5 file: ${hdf5ErrorReason(cause)}`, { file: label, cause }),
    );
  } catch (error) {
    release();
    throw error;
  }
  if (file.file_id < 0n) {
    release();
    throw readFailure() ?? new MuleError('TRUNCATED', `${label} could not be opened as an HDF5 file`, { file: label });
  }
  return {
    file,
    readFailure,
    close: () => {
      file.close();
      release();
    },
  };
}
