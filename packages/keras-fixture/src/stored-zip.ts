/**
 * A zip writer that lays entries out the way Python's `zipfile` does when Keras saves a `.keras`
 * file: stored (method 0), general-purpose flags 0 (sizes and CRC in the local header, no data
 * descriptor), no extra fields, Unix `create_system` with mode 0o600.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

export type StoredZipSource = { kind: 'buffer'; data: Uint8Array } | { kind: 'file'; path: string };

export interface StoredZipEntry {
  name: string;
  /** Written as an MS-DOS local date and time (2-second resolution), as zipfile does. */
  date: Date;
  source: StoredZipSource;
}

/** The date Keras gives the JSON members (written with `ZipFile.open(name, "w")`). */
export const ZIP_EPOCH = new Date(1980, 0, 1, 0, 0, 0);

const VERSION = 20;
const CREATE_SYSTEM_UNIX = 3;
const EXTERNAL_ATTR = (0o600 << 16) >>> 0;
const MAX_32 = 0xffffffff;
const COPY_CHUNK = 4 << 20;

function dosDateTime(d: Date): { date: number; time: number } {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
  };
}

async function fileCrc(path: string): Promise<{ crc: number; size: number }> {
  let crc = 0;
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: COPY_CHUNK })) {
    crc = crc32(chunk as Buffer, crc);
    size += (chunk as Buffer).length;
  }
  return { crc, size };
}

interface Prepared {
  entry: StoredZipEntry;
  name: Buffer;
  crc: number;
  size: number;
  offset: number;
}

function localHeader(p: Prepared): Buffer {
  const { date, time } = dosDateTime(p.entry.date);
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(VERSION, 4);
  h.writeUInt16LE(0, 6); // flags
  h.writeUInt16LE(0, 8); // stored
  h.writeUInt16LE(time, 10);
  h.writeUInt16LE(date, 12);
  h.writeUInt32LE(p.crc, 14);
  h.writeUInt32LE(p.size, 18);
  h.writeUInt32LE(p.size, 22);
  h.writeUInt16LE(p.name.length, 26);
  h.writeUInt16LE(0, 28); // extra length
  return Buffer.concat([h, p.name]);
}

function centralHeader(p: Prepared): Buffer {
  const { date, time } = dosDateTime(p.entry.date);
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(VERSION | (CREATE_SYSTEM_UNIX << 8), 4);
  h.writeUInt16LE(VERSION, 6);
  h.writeUInt16LE(0, 8);
  h.writeUInt16LE(0, 10);
  h.writeUInt16LE(time, 12);
  h.writeUInt16LE(date, 14);
  h.writeUInt32LE(p.crc, 16);
  h.writeUInt32LE(p.size, 20);
  h.writeUInt32LE(p.size, 24);
  h.writeUInt16LE(p.name.length, 28);
  // extra, comment, disk number, internal attributes: 0
  h.writeUInt32LE(EXTERNAL_ATTR, 38);
  h.writeUInt32LE(p.offset, 42);
  return Buffer.concat([h, p.name]);
}

/** Writes `entries` in order to `outFile` (created or truncated). Returns the archive size. */
export async function writeStoredZip(outFile: string, entries: readonly StoredZipEntry[]): Promise<number> {
  const handle = await open(outFile, 'w');
  try {
    let offset = 0;
    const write = async (data: Uint8Array): Promise<void> => {
      await handle.write(data, 0, data.length, offset);
      offset += data.length;
    };
    const prepared: Prepared[] = [];
    for (const entry of entries) {
      const { crc, size } =
        entry.source.kind === 'buffer'
          ? { crc: crc32(entry.source.data), size: entry.source.data.length }
          : await fileCrc(entry.source.path);
      if (size > MAX_32 || offset > MAX_32) throw new Error(`stored zip: '${entry.name}' would need Zip64, which this writer does not do`);
      const p: Prepared = { entry, name: Buffer.from(entry.name, 'utf8'), crc, size, offset };
      prepared.push(p);
      await write(localHeader(p));
      if (entry.source.kind === 'buffer') {
        await write(entry.source.data);
      } else {
        const before = offset;
        for await (const chunk of createReadStream(entry.source.path, { highWaterMark: COPY_CHUNK })) await write(chunk as Buffer);
        if (offset - before !== size || (await stat(entry.source.path)).size !== size) {
          throw new Error(`stored zip: '${entry.source.path}' changed while it was being archived`);
        }
      }
    }
    const centralStart = offset;
    for (const p of prepared) await write(centralHeader(p));
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(prepared.length, 8);
    eocd.writeUInt16LE(prepared.length, 10);
    eocd.writeUInt32LE(offset - centralStart, 12);
    eocd.writeUInt32LE(centralStart, 16);
    await write(eocd);
    return offset;
  } finally {
    await handle.close();
  }
}
