/**
 * `--out OUT.jsonl`: one JSON object per file, in commit order:
 * `{"file", "seconds", "slices", "centres", "embedding": [...] | null, "timeline"?: [[...], ...]}`.
 */
import { existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { checkHolds } from './check-output-length.js';
import type { EmbeddingOutput, FileEmbedding } from './embedding-output.js';
import type { JournalOk } from './progress-journal.js';

export class JsonlOutput implements EmbeddingOutput {
  readonly journalPath: string;
  private handle: FileHandle | null = null;
  private bytes = 0;

  constructor(
    readonly path: string,
    readonly timeline: boolean,
  ) {
    this.journalPath = `${path}.progress.jsonl`;
  }

  async open(resume: boolean, committedEnd: number, _done: readonly JournalOk[]): Promise<void> {
    this.bytes = resume ? committedEnd : 0;
    if (resume && committedEnd > 0) await checkHolds(this.path, this.bytes, `${committedEnd} bytes`);
    this.handle = await open(this.path, resume && existsSync(this.path) ? 'r+' : 'w+');
    await this.handle.truncate(this.bytes);
  }

  async write({ file, result, seconds, warnings }: FileEmbedding): Promise<number> {
    const record: Record<string, unknown> = {
      file,
      seconds,
      ...(warnings.length ? { warnings } : {}),
      slices: result.sliceCount,
      centres: result.centres,
      embedding: result.embedding ? Array.from(result.embedding) : null,
    };
    if (this.timeline) {
      const d = result.embeddingDim;
      record.timeline = Array.from({ length: result.sliceCount }, (_, k) => Array.from(result.timeline.subarray(k * d, (k + 1) * d)));
    }
    const line = Buffer.from(JSON.stringify(record) + '\n', 'utf8');
    await this.handle!.write(line, 0, line.length, this.bytes);
    this.bytes += line.length;
    return this.bytes;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
  }
}
