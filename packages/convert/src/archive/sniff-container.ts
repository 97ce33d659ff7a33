import { MuleError } from '@mule-ts/core';
import { open } from 'node:fs/promises';

/** What a model file holds, decided by its magic bytes and never by its name. */
export type ContainerKind = 'zip' | 'hdf5';

export interface SniffedContainer {
  kind: ContainerKind;
  /** For HDF5: where the superblock starts (0, or 512, 1024, ... after a user block). */
  offset: number;
}

const ZIP_LOCAL_HEADER = Buffer.from('PK\x03\x04', 'latin1');
/** An empty zip starts directly with its end-of-central-directory record. */
const ZIP_EMPTY_ARCHIVE = Buffer.from('PK\x05\x06', 'latin1');
const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Reads the first bytes of `file`: a zip is a Keras v3 archive, an HDF5 file is the legacy
 * format (whatever the extension: Keras <= 2.12 wrote HDF5 under a `.keras` name). HDF5 allows a
 * user block before the superblock, so the signature is also looked for at 512, 1024, 2048, ...
 */
export async function sniffContainer(file: string): Promise<SniffedContainer> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (cause) {
    throw new MuleError('IO', `Cannot open ${file}: ${(cause as Error).message}`, { file, cause });
  }
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(64, size));
    await handle.read(head, 0, head.length, 0);
    if (startsWith(head, ZIP_LOCAL_HEADER) || startsWith(head, ZIP_EMPTY_ARCHIVE)) return { kind: 'zip', offset: 0 };
    const probe = Buffer.alloc(HDF5_SIGNATURE.length);
    for (let offset = 0; offset + probe.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      const { bytesRead } = await handle.read(probe, 0, probe.length, offset);
      if (bytesRead === probe.length && probe.equals(HDF5_SIGNATURE)) return { kind: 'hdf5', offset };
    }
    throw new MuleError(
      'NOT_A_MODEL_FILE',
      `${file} is neither a Keras .keras archive (zip, starting with "PK\\x03\\x04") nor a Keras HDF5 file ` +
        `(starting with "\\x89HDF\\r\\n\\x1a\\n"); ${size} bytes, starting with ${describeBytes(head)}`,
      { file, found: describeBytes(head) },
    );
  } finally {
    await handle.close();
  }
}

function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.length >= prefix.length && bytes.subarray(0, prefix.length).equals(prefix);
}

/** The first bytes as hex plus a printable preview, e.g. `3c 21 44 4f ... "<!DOCTYPE h"`. */
export function describeBytes(bytes: Buffer, count = 16): string {
  if (bytes.length === 0) return 'nothing (the file is empty)';
  const shown = bytes.subarray(0, count);
  const hex = [...shown].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = [...shown].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  return `${hex}${bytes.length > count ? ' ...' : ''} ("${text}")`;
}
