/**
 * `--out OUT.npy`: an (N, D) float32 array, one clip embedding per file (NaN where a clip gave no
 * slice), rows in commit order (= input order), plus `OUT.index.json` naming each row's file.
 * Rows are appended and the fixed-size header rewritten after each one, so the file is a valid
 * .npy of the rows done so far at every moment.
 */
import { existsSync } from 'node:fs';
import { open, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { MuleError, NPY_HEADER_BYTES, npyFloat32Header } from '@mule-ts/core';
import { checkHolds } from './check-output-length.js';
import type { EmbeddingOutput, FileEmbedding } from './embedding-output.js';
import type { JournalOk } from './progress-journal.js';

export function indexPathFor(out: string): string {
  return out.replace(/\.npy$/i, '') + '.index.json';
}

/**
 * How often the index is rewritten while rows are written (it is always rewritten at the end): every
 * 2 s, or less often once the index is large, so that rewriting it costs at most ~5% of the run.
 */
const INDEX_EVERY_MS = 2000;
const INDEX_MAX_SHARE = 0.05;

export class NpyRowsOutput implements EmbeddingOutput {
  readonly journalPath: string;
  private handle: FileHandle | null = null;
  private rows = 0;
  /** The index rows so far, in row order: what OUT.index.json says at every rewrite. */
  private indexRows: Array<{ row: number; file: string; slices: number; seconds: number; warnings?: string[] }> = [];
  private nextIndexWrite = 0;

  constructor(
    readonly path: string,
    readonly dim: number,
  ) {
    this.journalPath = `${path}.progress.jsonl`;
  }

  async open(resume: boolean, committedEnd: number, done: readonly JournalOk[]): Promise<void> {
    this.rows = resume ? committedEnd : 0;
    this.indexRows = resume ? done.map((e, row) => ({ row, file: e.file, slices: e.slices, seconds: e.seconds, ...(e.warnings?.length ? { warnings: e.warnings } : {}) })) : [];
    const bytes = NPY_HEADER_BYTES + this.rows * this.dim * 4;
    if (resume && committedEnd > 0) await checkHolds(this.path, bytes, `${committedEnd} rows`);
    this.handle = await open(this.path, resume && existsSync(this.path) ? 'r+' : 'w+');
    await this.handle.truncate(bytes);
    await this.handle.write(npyFloat32Header([this.rows, this.dim]), 0, NPY_HEADER_BYTES, 0);
  }

  async write(item: FileEmbedding): Promise<number> {
    const row = item.result.embedding ?? new Float32Array(this.dim).fill(NaN);
    const bytes = new Uint8Array(row.buffer, row.byteOffset, row.byteLength);
    await this.handle!.write(bytes, 0, bytes.length, NPY_HEADER_BYTES + this.rows * this.dim * 4);
    this.rows++;
    await this.handle!.write(npyFloat32Header([this.rows, this.dim]), 0, NPY_HEADER_BYTES, 0);
    this.indexRows.push({ row: this.rows - 1, file: item.file, slices: item.result.sliceCount, seconds: item.seconds, ...(item.warnings.length ? { warnings: [...item.warnings] } : {}) });
    if (Date.now() >= this.nextIndexWrite) await this.writeIndex([]);
    return this.rows;
  }

  async close(ok: readonly JournalOk[], failed: ReadonlyArray<{ file: string; error: string }>): Promise<void> {
    await this.handle?.close();
    this.handle = null;
    // The journal and the rows must tell the same story; a mismatch is an error, never a wrong mapping.
    const mismatch = ok.length !== this.rows ? `the journal lists ${ok.length} embedded files, the .npy holds ${this.rows} rows` : ok.findIndex((e, i) => e.file !== this.indexRows[i]?.file);
    if (mismatch !== -1) {
      throw new MuleError('OUTPUT_MISMATCH', `${this.path}: ${typeof mismatch === 'string' ? mismatch : `row ${mismatch} is ${this.indexRows[mismatch]?.file} in the output, ${ok[mismatch]!.file} in the journal`}; the index was not written`, {
        file: this.path,
        hint: 'something else wrote this output or its journal: start again with --overwrite',
      });
    }
    await this.writeIndex(failed);
  }

  /** OUT.index.json, replaced atomically: the rows written so far and the files that failed. */
  private async writeIndex(failed: ReadonlyArray<{ file: string; error: string }>): Promise<void> {
    const index = {
      format: 'mule-embed-index',
      formatVersion: 1,
      embeddings: this.path,
      shape: [this.indexRows.length, this.dim],
      rows: this.indexRows,
      failed,
    };
    const started = Date.now();
    const target = indexPathFor(this.path);
    await writeFile(`${target}.partial`, JSON.stringify(index, null, 1) + '\n');
    await rename(`${target}.partial`, target);
    const took = Date.now() - started;
    this.nextIndexWrite = Date.now() + Math.max(INDEX_EVERY_MS, took / INDEX_MAX_SHARE);
  }
}
