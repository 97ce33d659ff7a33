import { MuleError } from '@mule-ts/core';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';

export interface ZipMember {
  name: string;
  /** Uncompressed size in bytes. */
  size: number;
  compressedSize: number;
  /** 0 = stored (what Keras writes), 8 = deflate. */
  compressionMethod: number;
}

/** Where a stored (uncompressed) member's bytes lie in the zip file. */
export interface StoredMemberRange {
  /** Offset of the first data byte in the zip file. */
  start: number;
  length: number;
}

/** Members larger than this are never read into memory; extract them to a file instead. */
const DEFAULT_IN_MEMORY_LIMIT = 64 * 1024 * 1024;

/**
 * A read-only view of a zip file (yauzl): the member list, small members read into memory, large
 * members streamed to disk. Every member's CRC-32 is checked, so a corrupt member is an error,
 * not silently wrong weights.
 */
export class ZipArchive {
  private constructor(
    readonly file: string,
    private readonly zip: ZipFile,
    private readonly entries: Map<string, Entry>,
  ) {}

  static async open(file: string): Promise<ZipArchive> {
    let zip: ZipFile;
    try {
      zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
    } catch (cause) {
      throw zipError(file, null, cause);
    }
    const entries = new Map<string, Entry>();
    try {
      for await (const entry of zip.eachEntry()) {
        if (entries.has(entry.fileName)) {
          throw new MuleError(
            'NOT_A_MODEL_FILE',
            `${file} holds more than one member named "${entry.fileName}"; a file written by Keras holds each member once, so it cannot be trusted`,
            { file, tensor: entry.fileName },
          );
        }
        entries.set(entry.fileName, entry);
      }
    } catch (cause) {
      zip.close();
      throw cause instanceof MuleError ? cause : zipError(file, null, cause);
    }
    return new ZipArchive(file, zip, entries);
  }

  get members(): ZipMember[] {
    return [...this.entries.values()].map((e) => ({
      name: e.fileName,
      size: e.uncompressedSize,
      compressedSize: e.compressedSize,
      compressionMethod: e.compressionMethod,
    }));
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /**
   * Where a member's data lies in the file when it is stored uncompressed (what Keras writes), so
   * a caller can read it in place; null when it is compressed. Check its CRC with `verifyCrc32`.
   */
  async storedMemberRange(name: string): Promise<StoredMemberRange | null> {
    const entry = this.requireEntry(name);
    this.assertDecodable(entry);
    if (entry.compressionMethod !== 0) return null;
    try {
      const { fileDataStart } = await this.zip.readLocalFileHeaderPromise(entry, { minimal: true });
      return { start: fileDataStart, length: entry.compressedSize };
    } catch (cause) {
      throw zipError(this.file, name, cause);
    }
  }

  /** Throws TRUNCATED unless `crc` is the CRC-32 the zip directory records for the member. */
  verifyCrc32(name: string, crc: number): void {
    this.verify(this.requireEntry(name), crc);
  }

  /** Reads a small member (config.json, metadata.json) into memory. */
  async readMember(name: string, limit = DEFAULT_IN_MEMORY_LIMIT): Promise<Buffer> {
    const entry = this.requireEntry(name);
    if (entry.uncompressedSize > limit) {
      throw new MuleError(
        'UNSUPPORTED',
        `${this.file}: member "${name}" is ${entry.uncompressedSize} bytes, more than the ${limit} read into memory`,
        { file: this.file, tensor: name },
      );
    }
    const chunks: Buffer[] = [];
    const stream = await this.openStream(entry);
    const checksum = new Crc32Check();
    try {
      for await (const chunk of stream) {
        const bytes = chunk as Buffer;
        checksum.update(bytes);
        chunks.push(bytes);
      }
    } catch (cause) {
      throw zipError(this.file, name, cause);
    }
    this.verify(entry, checksum.value);
    return Buffer.concat(chunks);
  }

  /** Streams a member to `destination` without holding it in memory. */
  async extractMember(name: string, destination: string): Promise<void> {
    const entry = this.requireEntry(name);
    const stream = await this.openStream(entry);
    const checksum = new Crc32Check();
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        checksum.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(stream, tap, createWriteStream(destination));
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).syscall !== undefined) {
        throw new MuleError('IO', `Cannot write ${destination} (extracting "${name}" from ${this.file}): ${(cause as Error).message}`, {
          file: this.file,
          tensor: name,
          cause,
        });
      }
      throw zipError(this.file, name, cause);
    }
    this.verify(entry, checksum.value);
  }

  close(): void {
    this.zip.close();
  }

  private requireEntry(name: string): Entry {
    const entry = this.entries.get(name);
    if (entry === undefined) {
      const present = [...this.entries.keys()];
      throw new MuleError(
        'MISSING_MEMBER',
        `${this.file} has no member "${name}" (it holds: ${present.length === 0 ? 'nothing' : present.join(', ')})`,
        { file: this.file, tensor: name, expected: name, found: present },
      );
    }
    return entry;
  }

  private async openStream(entry: Entry): Promise<Readable> {
    this.assertDecodable(entry);
    try {
      return await this.zip.openReadStreamPromise(entry);
    } catch (cause) {
      throw zipError(this.file, entry.fileName, cause);
    }
  }

  private assertDecodable(entry: Entry): void {
    if (entry.isEncrypted() || !entry.canDecodeFileData()) {
      throw new MuleError(
        'UNSUPPORTED',
        `${this.file}: member "${entry.fileName}" is ${entry.isEncrypted() ? 'encrypted' : `compressed with method ${entry.compressionMethod}`}; Keras writes members stored (method 0)`,
        { file: this.file, tensor: entry.fileName },
      );
    }
  }

  private verify(entry: Entry, crc: number): void {
    if (crc !== entry.crc32) {
      throw new MuleError(
        'TRUNCATED',
        `${this.file} is corrupt: member "${entry.fileName}" has CRC-32 ${hex32(crc)}, the zip directory records ${hex32(entry.crc32)}`,
        { file: this.file, tensor: entry.fileName, expected: entry.crc32, found: crc },
      );
    }
  }
}

class Crc32Check {
  value = 0;
  update(bytes: Buffer): void {
    this.value = crc32(bytes, this.value);
  }
}

function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

function zipError(file: string, member: string | null, cause: unknown): MuleError {
  if (cause instanceof MuleError) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  if ((cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' || (cause as NodeJS.ErrnoException | undefined)?.code === 'EACCES') {
    return new MuleError('IO', `Cannot read ${file}: ${reason}`, { file, cause });
  }
  const where = member === null ? '' : ` (while reading member "${member}")`;
  return new MuleError('TRUNCATED', `${file} is a truncated or corrupt zip archive${where}: ${reason}`, {
    file,
    ...(member === null ? {} : { tensor: member }),
    cause,
  });
}
