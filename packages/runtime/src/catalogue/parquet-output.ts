/**
 * `--out NAME.parquet`: one row per file, for the data tools people already use (DuckDB, Spark,
 * pandas, Polars). Columns: path, status ('ok' | 'too_short' | 'failed'), error, seconds, slices,
 * centres, embedding (a list of D float32; null without a slice), timeline (with --timeline: a list
 * of D-float lists), warnings, size and mtime (of the audio file when it was embedded, so a later run
 * can tell a changed file), model_sha256 (the backbone file), verification_id (its record).
 *
 * Written as files finish: each file's row goes to NAME.parquet.partial in row groups of
 * PARQUET_ROW_GROUP_ROWS as they fill, and, first, to NAME.parquet.rows.partial (length-prefixed
 * records; the journal's `end` is that log's length). A Parquet file is unreadable until its footer is
 * written, so the log is what a kill leaves usable: --resume cuts it back to what the journal vouches
 * for and writes the .partial file again from it. When the shard is complete, the last row group, the
 * failed files' rows and the footer are written and the file is renamed into place: NAME.parquet
 * exists only complete. The key-value metadata says which shard of how many, how many files it holds,
 * and the model, so `mule merge` can check a set of shards.
 *
 * The writer is hyparquet-writer (pure JavaScript, one dependency, writes row group by row group):
 * measured against parquet-wasm and @dsnp/parquetjs on 2,000 rows of this schema (docs/scale-out.md).
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { MuleError } from '@mule-ts/core';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { checkHolds } from './check-output-length.js';
import { readEmbeddingsParquet } from './read-embeddings-parquet.js';
import type { EmbeddingOutput, FileEmbedding } from './embedding-output.js';
import type { JournalOk } from './progress-journal.js';
import type { Shard } from './shard.js';

/** Rows per row group of the final file (~7 MB of embeddings at D = 1728). */
export const PARQUET_ROW_GROUP_ROWS = 1024;

/** What every row and the file's metadata say about the run. */
export interface ParquetRunInfo {
  embeddingDim: number;
  timeline: boolean;
  modelSha256: string;
  verificationId: string | null;
  precision: string;
  shard: Shard | null;
  /** Files of this shard's selection (before resume and limit): what a complete file holds. */
  selected: number;
}

/** A row as the log holds it: everything but the arrays, which follow it as float32. */
export interface RowMeta {
  path: string;
  status: 'ok' | 'too_short' | 'failed';
  error: string | null;
  seconds: number | null;
  slices: number | null;
  centres: number[] | null;
  warnings: string[];
  size: number | null;
  mtimeMs: number | null;
}

export interface LoggedRow {
  meta: RowMeta;
  embedding: Float32Array | null;
  timeline: Float32Array | null;
}

export const PARQUET_METADATA_KEYS = {
  format: 'mule.format',
  shard: 'mule.shard',
  files: 'mule.files',
  embeddingDim: 'mule.embedding_dim',
  modelSha256: 'mule.model_sha256',
  precision: 'mule.precision',
} as const;
export const PARQUET_FORMAT = 'mule-embeddings/1';

const HEADER_BYTES = 12;

export class ParquetOutput implements EmbeddingOutput {
  readonly journalPath: string;
  readonly logPath: string;
  private handle: FileHandle | null = null;
  private bytes = 0;
  private writer: ParquetWriter | null = null;
  /** Rows logged but not yet in a row group of the .partial file. */
  private pending: LoggedRow[] = [];
  private logged = 0;

  constructor(
    readonly path: string,
    readonly info: ParquetRunInfo,
  ) {
    this.journalPath = `${path}.progress.jsonl`;
    this.logPath = `${path}.rows.partial`;
  }

  async open(resume: boolean, committedEnd: number, _done: readonly JournalOk[]): Promise<void> {
    this.bytes = resume ? committedEnd : 0;
    // A shard completed earlier and resumed (e.g. the list grew): its rows come back from NAME.parquet
    // into the log, byte for byte as they were logged, so the journal's offsets still hold.
    if (resume && committedEnd > 0 && !existsSync(this.logPath) && existsSync(this.path)) await this.rebuildLog();
    if (resume && committedEnd > 0) await checkHolds(this.logPath, this.bytes, `${committedEnd} bytes of rows`);
    this.handle = await open(this.logPath, resume && existsSync(this.logPath) ? 'r+' : 'w+');
    await this.handle.truncate(this.bytes);
    this.writer = new ParquetWriter({ writer: rowGroupFileWriter(`${this.path}.partial`), schema: parquetSchema(this.info.timeline), codec: 'SNAPPY' });
    // the rows the journal vouches for, into the .partial file again
    for (let offset = 0; offset < this.bytes; ) {
      const { row, next } = await readRecord(this.handle, offset, this.logPath);
      this.add(row);
      offset = next;
    }
  }

  async write({ file, result, seconds, warnings }: FileEmbedding): Promise<number> {
    const info = await stat(file).catch(() => null);
    const meta: RowMeta = {
      path: file,
      status: result.embedding ? 'ok' : 'too_short',
      error: null,
      seconds,
      slices: result.sliceCount,
      centres: result.centres,
      warnings: [...warnings],
      size: info?.size ?? null,
      mtimeMs: info ? Math.round(info.mtimeMs) : null,
    };
    const timeline = this.info.timeline ? result.timeline : null;
    const record = encodeRecord(meta, result.embedding, timeline);
    await this.handle!.write(record, 0, record.length, this.bytes);
    this.bytes += record.length;
    this.add({ meta, embedding: result.embedding, timeline });
    return this.bytes;
  }

  /**
   * With `complete` (every file of the shard done): the last row group, the failed files' rows and the
   * footer, then NAME.parquet renamed into place and the log removed. Otherwise both stay for --resume.
   */
  async close(ok: readonly JournalOk[], failed: ReadonlyArray<{ file: string; error: string }>, complete = true): Promise<void> {
    const handle = this.handle;
    const writer = this.writer;
    this.handle = null;
    this.writer = null;
    if (!handle || !writer) return;
    try {
      if (!complete) return;
      if (this.logged !== ok.length) {
        throw new MuleError('OUTPUT_MISMATCH', `${this.logPath}: the journal lists ${ok.length} embedded files, the row log holds ${this.logged}; ${this.path} was not written`, {
          file: this.logPath,
          hint: 'something else wrote this output or its journal: start again with --overwrite',
        });
      }
      for (const f of failed) {
        this.pending.push({ meta: { path: f.file, status: 'failed', error: f.error, seconds: null, slices: null, centres: null, warnings: [], size: null, mtimeMs: null }, embedding: null, timeline: null });
        this.flushIfFull(writer);
      }
      this.flush(writer);
      writer.kvMetadata = this.metadata(ok.length + failed.length);
      writer.finish();
      await rename(`${this.path}.partial`, this.path);
      await handle.close();
      await rm(this.logPath, { force: true });
    } finally {
      await handle.close().catch(() => undefined); // already closed when complete; otherwise kept for --resume
    }
  }

  /** A logged row into the current row group; a full group goes to the .partial file. */
  private add(row: LoggedRow): void {
    this.logged++;
    this.pending.push(row);
    this.flushIfFull(this.writer!);
  }

  private flushIfFull(writer: ParquetWriter): void {
    if (this.pending.length >= PARQUET_ROW_GROUP_ROWS) this.flush(writer);
  }

  private flush(writer: ParquetWriter): void {
    if (this.pending.length === 0) return;
    writer.write({ columnData: columnsOf(this.pending, this.info), rowGroupSize: this.pending.length });
    this.pending = [];
  }

  private async rebuildLog(): Promise<void> {
    const { rows } = await readEmbeddingsParquet(this.path);
    const handle = await open(this.logPath, 'w');
    try {
      let at = 0;
      for (const r of rows) {
        const row = loggedRowOf(r, this.info.timeline);
        if (row.meta.status === 'failed') continue; // failed files live in the journal, and are added again at the end
        const record = encodeRecord(row.meta, row.embedding, row.timeline);
        await handle.write(record, 0, record.length, at);
        at += record.length;
      }
    } finally {
      await handle.close();
    }
  }

  private metadata(files: number): Array<{ key: string; value: string }> {
    const { shard, embeddingDim, modelSha256, precision } = this.info;
    return parquetKeyValues({ shard: shard ? `${shard.index}/${shard.count}` : '1/1', files, embeddingDim, modelSha256, precision });
  }
}

/** The key-value metadata of a file of embeddings (what `mule merge` checks). */
export function parquetKeyValues(m: { shard: string; files: number; embeddingDim: number; modelSha256: string; precision: string }): Array<{ key: string; value: string }> {
  return [
    { key: PARQUET_METADATA_KEYS.format, value: PARQUET_FORMAT },
    { key: PARQUET_METADATA_KEYS.shard, value: m.shard },
    { key: PARQUET_METADATA_KEYS.files, value: String(m.files) },
    { key: PARQUET_METADATA_KEYS.embeddingDim, value: String(m.embeddingDim) },
    { key: PARQUET_METADATA_KEYS.modelSha256, value: m.modelSha256 },
    { key: PARQUET_METADATA_KEYS.precision, value: m.precision },
  ];
}

/**
 * A file writer for hyparquet-writer that hands each row group to the file as soon as it is encoded
 * (ParquetWriter calls `flush` after each group; its own fileWriter waits for 1 MB).
 */
export function rowGroupFileWriter(filename: string): ByteWriter {
  writeFileSync(filename, '');
  const writer = new ByteWriter();
  const flush = (): void => {
    appendFileSync(filename, new Uint8Array(writer.buffer, 0, writer.index));
    writer.index = 0;
  };
  return Object.assign(writer, { flush, finish: flush });
}

/** A row read back from a file this output wrote (hyparquet's objects) in the log's form. */
export function loggedRowOf(r: Record<string, unknown>, timeline: boolean): LoggedRow {
  const meta: RowMeta = {
    path: r.path as string,
    status: r.status as RowMeta['status'],
    error: (r.error as string | null | undefined) ?? null,
    seconds: (r.seconds as number | null | undefined) ?? null,
    slices: (r.slices as number | null | undefined) ?? null,
    centres: (r.centres as number[] | null | undefined) ?? null,
    warnings: (r.warnings as string[] | undefined) ?? [],
    size: r.size === null || r.size === undefined ? null : Number(r.size),
    mtimeMs: r.mtime instanceof Date ? r.mtime.getTime() : r.mtime === null || r.mtime === undefined ? null : Number(r.mtime),
  };
  const embedding = r.embedding ? Float32Array.from(r.embedding as number[]) : null;
  const timelineRows = timeline && r.timeline ? Float32Array.from((r.timeline as number[][]).flat()) : null;
  return { meta, embedding, timeline: timelineRows };
}

function encodeRecord(meta: RowMeta, embedding: Float32Array | null, timeline: Float32Array | null): Uint8Array {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const e = embedding?.length ?? 0;
  const t = timeline?.length ?? 0;
  const out = Buffer.alloc(HEADER_BYTES + json.length + 4 * (e + t));
  out.writeUInt32LE(json.length, 0);
  out.writeUInt32LE(embedding ? e : 0xffffffff, 4);
  out.writeUInt32LE(timeline ? t : 0xffffffff, 8);
  json.copy(out, HEADER_BYTES);
  let at = HEADER_BYTES + json.length;
  for (const array of [embedding, timeline]) {
    if (!array) continue;
    Buffer.from(array.buffer, array.byteOffset, array.byteLength).copy(out, at);
    at += array.byteLength;
  }
  return out;
}

async function readRecord(handle: FileHandle, offset: number, path: string): Promise<{ row: LoggedRow; next: number }> {
  const header = Buffer.alloc(HEADER_BYTES);
  const damaged = (): MuleError => new MuleError('OUTPUT_MISMATCH', `${path}: the row log is damaged at byte ${offset}`, { file: path, hint: 'start again with --overwrite' });
  if ((await handle.read(header, 0, HEADER_BYTES, offset)).bytesRead !== HEADER_BYTES) throw damaged();
  const jsonBytes = header.readUInt32LE(0);
  const e = header.readUInt32LE(4);
  const t = header.readUInt32LE(8);
  const floats = (e === 0xffffffff ? 0 : e) + (t === 0xffffffff ? 0 : t);
  const body = Buffer.alloc(jsonBytes + 4 * floats);
  if ((await handle.read(body, 0, body.length, offset + HEADER_BYTES)).bytesRead !== body.length) throw damaged();
  const meta = JSON.parse(body.subarray(0, jsonBytes).toString('utf8')) as RowMeta;
  const data = new Float32Array(floats);
  Buffer.from(data.buffer).set(body.subarray(jsonBytes));
  const embedding = e === 0xffffffff ? null : data.subarray(0, e);
  const timeline = t === 0xffffffff ? null : data.subarray(e === 0xffffffff ? 0 : e);
  return { row: { meta, embedding, timeline }, next: offset + HEADER_BYTES + body.length };
}

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];

function listOf(name: string, element: SchemaElement, optional: boolean): SchemaElement[] {
  return [
    { name, repetition_type: optional ? 'OPTIONAL' : 'REQUIRED', num_children: 1, converted_type: 'LIST' },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    element,
  ];
}

export function parquetSchema(timeline: boolean): SchemaElement[] {
  const text = (name: string, optional = false): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: optional ? 'OPTIONAL' : 'REQUIRED' });
  const columns: SchemaElement[][] = [
    [text('path')],
    [text('status')],
    [text('error', true)],
    [{ name: 'seconds', type: 'DOUBLE', repetition_type: 'OPTIONAL' }],
    [{ name: 'slices', type: 'INT32', repetition_type: 'OPTIONAL' }],
    listOf('centres', { name: 'element', type: 'INT32', repetition_type: 'REQUIRED' }, true),
    listOf('embedding', { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' }, true),
    ...(timeline
      ? [[...listOf('timeline', { name: 'element', repetition_type: 'REQUIRED', num_children: 1, converted_type: 'LIST' }, true), { name: 'list', repetition_type: 'REPEATED', num_children: 1 }, { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' }] as SchemaElement[]]
      : []),
    listOf('warnings', text('element'), false),
    [{ name: 'size', type: 'INT64', repetition_type: 'OPTIONAL' }],
    [{ name: 'mtime', type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'OPTIONAL' }],
    [text('model_sha256')],
    [text('verification_id', true)],
  ];
  return [{ name: 'schema', num_children: columns.length }, ...columns.flat()];
}

export function columnsOf(rows: readonly LoggedRow[], info: ParquetRunInfo): Array<{ name: string; data: unknown[] }> {
  const d = info.embeddingDim;
  const columns: Array<{ name: string; data: unknown[] }> = [
    { name: 'path', data: rows.map((r) => r.meta.path) },
    { name: 'status', data: rows.map((r) => r.meta.status) },
    { name: 'error', data: rows.map((r) => r.meta.error) },
    { name: 'seconds', data: rows.map((r) => r.meta.seconds) },
    { name: 'slices', data: rows.map((r) => r.meta.slices) },
    { name: 'centres', data: rows.map((r) => r.meta.centres) },
    { name: 'embedding', data: rows.map((r) => (r.embedding ? Array.from(r.embedding) : null)) },
  ];
  if (info.timeline) {
    columns.push({
      name: 'timeline',
      data: rows.map((r) => (r.timeline ? Array.from({ length: r.timeline.length / d }, (_, k) => Array.from(r.timeline!.subarray(k * d, (k + 1) * d))) : null)),
    });
  }
  columns.push(
    { name: 'warnings', data: rows.map((r) => r.meta.warnings) },
    { name: 'size', data: rows.map((r) => (r.meta.size === null ? null : BigInt(r.meta.size))) },
    { name: 'mtime', data: rows.map((r) => (r.meta.mtimeMs === null ? null : BigInt(r.meta.mtimeMs))) },
    { name: 'model_sha256', data: rows.map(() => info.modelSha256) },
    { name: 'verification_id', data: rows.map(() => info.verificationId) },
  );
  return columns;
}
