import h5wasm, { Module } from 'h5wasm';
import type { File as H5File } from 'h5wasm';
import { MuleError } from '@mule-ts/runtime';

export interface InMemoryHdf5 {
  file: H5File;
  /** Closes the HDF5 handle and removes the in-memory file. */
  close(): void;
}

let opened = 0;

/**
 * Opens HDF5 bytes read-only with h5wasm, from Emscripten's in-memory file system: the bytes
 * become the file's contents without a copy (MEMFS takes them over), so the caller must not
 * change them while the file is open. Nothing is written to disk. `label` is the name used in
 * error messages (the user's file, plus the zip member for a `.keras`).
 */
export async function openHdf5InMemory(bytes: Uint8Array, label: string): Promise<InMemoryHdf5> {
  const { FS } = await h5wasm.ready;
  const path = `/mule-${++opened}.h5`;
  const stream = FS.open(path, 'w+');
  try {
    FS.write(stream, bytes, 0, bytes.length, 0, true);
  } finally {
    FS.close(stream);
  }
  let file: H5File;
  // The throwing handler turns HDF5's error stack into an exception instead of stderr noise.
  Module.activate_throwing_error_handler();
  try {
    file = new h5wasm.File(path, 'r');
  } catch (cause) {
    FS.unlink(path);
    throw new MuleError('TRUNCATED', `${label} is a truncated or corrupt HDF5 file: ${firstLine(cause)}`, { file: label, cause });
  } finally {
    Module.deactivate_throwing_error_handler();
  }
  if (file.file_id < 0n) {
    FS.unlink(path);
    throw new MuleError('TRUNCATED', `${label} could not be opened as an HDF5 file`, { file: label });
  }
  return {
    file,
    close: () => {
      file.close();
      FS.unlink(path);
    },
  };
}

/** The in-memory files currently open (for tests proving that `close()` frees them). */
export function inMemoryHdf5Files(): string[] {
  return Module === undefined ? [] : Module.FS.readdir('/').filter((name: string) => /^mule-\d+\.h5$/.test(name));
}

function firstLine(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  // HDF5's error stack: the innermost reason is the most useful ("file signature not found").
  return lines.filter((l) => l.startsWith('#')).pop() ?? lines[0] ?? 'unknown error';
}
