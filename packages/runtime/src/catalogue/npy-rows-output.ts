/**
 * `--out OUT.npy`: an (N, D) float32 array, one clip embedding per file (NaN where a clip gave no
 * slice), rows in commit order (= input order), plus `OUT.index.json` naming each row's file.
 * Rows are appended and the fixed-size header rewritten after each one, so the file is a valid
 * .npy of the rows done so far at every moment.
 */
import { existsSync } from 'node:fs';
import { open, writeFile, type FileHandle } from 'node:fs/promises';
import { checkHolds } from './check-output-length.js';
import { NPY_HEADER_BYTES, npyFloat32Header } from '@mule-ts/core';
import type { EmbeddingOutput, FileEmbedding } from './embedding-output.js';
import type { JournalOk } from './progress-journal.js';

export function indexPathFor(out: string): string {
  return out.replace(/\.npy$/i, '') + '.index.json';
}

export class NpyRowsOutput implements EmbeddingOutput {
  readonly journalPath: string;
  private handle: FileHandle | null = null;
  private rows = 0;

  constructor(
    readonly path: string,
    readonly dim: number,
  ) {
    this.journalPath = `${path}.progress.jsonl`;
  }

  async open(resume: boolean, committedEnd: number): Promise<void> {
    this.rows = resume ? committedEnd : 0;
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
    return this.rows;
  }

  async close(ok: readonly JournalOk[], failed: ReadonlyArray<{ file: string; error: string }>): Promise<void> {
    await this.handle?.close();
    this.handle = null;
    const index = {
      format: 'mule-embed-index',
      formatVersion: 1,
      embeddings: this.path,
      shape: [ok.length, this.dim],
      rows: ok.map((e, row) => ({ row, file: e.file, slices: e.slices, seconds: e.seconds })),
      failed,
    };
    await writeFile(indexPathFor(this.path), JSON.stringify(index, null, 1) + '\n');
  }
}
