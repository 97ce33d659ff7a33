/** Where `mule embed` puts results: one implementation per output kind (.npy rows, .jsonl, directory). */
import type { EmbedResult } from '../model/index.js';
import type { JournalOk } from './progress-journal.js';

/** The kinds of `--out`: rows of one .npy, lines of a .jsonl, a directory of .npy files, or rows of a .parquet. */
export type CatalogueOutputKind = 'npy' | 'jsonl' | 'dir' | 'parquet';

export interface FileEmbedding {
  file: string;
  result: EmbedResult;
  seconds: number;
  /** What the user should know about the audio (e.g. shorter than its header says); empty when nothing. */
  warnings: readonly string[];
}

export interface EmbeddingOutput {
  /** The progress journal's path for this output. */
  readonly journalPath: string;
  /**
   * Prepares the output; on resume, cuts it back to `committedEnd` (what the journal vouches for);
   * `done` are the journal's ok entries so far (an index kept current starts from them).
   */
  open(resume: boolean, committedEnd: number, done: readonly JournalOk[]): Promise<void>;
  /** Writes one file's result; returns the committed length after it (the journal's `end`). */
  write(item: FileEmbedding): Promise<number>;
  /**
   * Final touches (index files); `ok` lists every committed file in output order; `complete` says
   * whether every file of the selection is done (a --limit or an error leaves it false).
   */
  close(ok: readonly JournalOk[], failed: ReadonlyArray<{ file: string; error: string }>, complete: boolean): Promise<void>;
}
