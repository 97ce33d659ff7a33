/**
 * `--out DIR/`: one .npy per input file at DIR/<the input's path>.npy: the (K, D) timeline with
 * --timeline, else the (D,) clip embedding (NaN when the clip gave no slice); DIR/index.json lists
 * them. Each file is written to a temporary name and renamed, so a file present is complete.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { encodeNpyFloat32 } from '@mule-ts/core';
import { mirroredName } from './collect-inputs.js';
import type { EmbeddingOutput, FileEmbedding } from './embedding-output.js';
import type { JournalOk } from './progress-journal.js';

export class TimelineDirOutput implements EmbeddingOutput {
  readonly journalPath: string;
  private count = 0;

  constructor(
    readonly dir: string,
    readonly timeline: boolean,
  ) {
    this.journalPath = join(dir, 'progress.jsonl');
  }

  static fileFor(dir: string, input: string): string {
    return join(dir, `${mirroredName(input)}.npy`);
  }

  async open(resume: boolean, committedEnd: number, _done: readonly JournalOk[]): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.count = resume ? committedEnd : 0;
  }

  async write({ file, result }: FileEmbedding): Promise<number> {
    const target = TimelineDirOutput.fileFor(this.dir, file);
    await mkdir(dirname(target), { recursive: true });
    const d = result.embeddingDim;
    const bytes = this.timeline
      ? encodeNpyFloat32(result.timeline, [result.sliceCount, d])
      : encodeNpyFloat32(result.embedding ?? new Float32Array(d).fill(NaN), [d]);
    await writeFile(`${target}.partial`, bytes);
    await rename(`${target}.partial`, target);
    return ++this.count;
  }

  async close(ok: readonly JournalOk[], failed: ReadonlyArray<{ file: string; error: string }>): Promise<void> {
    const index = {
      format: 'mule-embed-index',
      formatVersion: 1,
      content: this.timeline ? 'timeline (slices x dim)' : 'clip embedding (dim)',
      files: ok.map((e) => ({ file: e.file, npy: TimelineDirOutput.fileFor(this.dir, e.file), slices: e.slices, seconds: e.seconds, ...(e.warnings?.length ? { warnings: e.warnings } : {}) })),
      failed,
    };
    await writeFile(join(this.dir, 'index.json'), JSON.stringify(index, null, 1) + '\n');
  }
}
