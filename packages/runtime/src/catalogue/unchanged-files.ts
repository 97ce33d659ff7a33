/**
 * `--skip-unchanged EARLIER.parquet`: files whose path, size and mtime match a row of an earlier
 * Parquet output made with the same backbone file are not embedded again: their row is carried over.
 * A file that was touched, replaced or is new is embedded. Rows of files that failed are not reused.
 */
import { stat } from 'node:fs/promises';
import type { EmbedResult } from '../model/index.js';
import { PARQUET_METADATA_KEYS, loggedRowOf } from './parquet-output.js';
import type { PreparedFile } from './prepare-file.js';
import { readEmbeddingsParquet } from './read-embeddings-parquet.js';

/** What the pipeline commits for a file instead of embedding it. */
export interface ReusedFile {
  outcome: PreparedFile;
  result: EmbedResult;
}

interface EarlierRow {
  size: number | null;
  mtimeMs: number | null;
  reused: ReusedFile;
}

/**
 * Reads the earlier outputs; rows are usable only from a file made with `modelSha256` and
 * `embeddingDim`, and only for files whose current size and mtime are the recorded ones.
 */
export async function findUnchangedFiles(
  earlier: readonly string[],
  candidates: readonly string[],
  model: { modelSha256: string; embeddingDim: number; timeline: boolean },
  warn: (message: string) => void,
): Promise<Map<string, ReusedFile>> {
  const rows = new Map<string, EarlierRow>();
  for (const file of earlier) {
    const { metadata, rows: read } = await readEmbeddingsParquet(file);
    if (metadata[PARQUET_METADATA_KEYS.modelSha256] !== model.modelSha256 || Number(metadata[PARQUET_METADATA_KEYS.embeddingDim]) !== model.embeddingDim) {
      warn(`--skip-unchanged ${file}: made with another backbone file (sha256 ${(metadata[PARQUET_METADATA_KEYS.modelSha256] ?? '?').slice(0, 12)}...): nothing reused from it`);
      continue;
    }
    if (model.timeline && !read.some((r) => 'timeline' in r)) {
      warn(`--skip-unchanged ${file}: holds no timelines and this run writes them (--timeline): nothing reused from it`);
      continue;
    }
    for (const r of read) {
      const row = loggedRowOf(r, 'timeline' in r);
      if (row.meta.status === 'failed') continue;
      const timeline = row.timeline ?? new Float32Array(0);
      rows.set(row.meta.path, {
        size: row.meta.size,
        mtimeMs: row.meta.mtimeMs,
        reused: {
          outcome: { ok: true, file: row.meta.path, sliceCount: row.meta.slices ?? 0, seconds: row.meta.seconds ?? 0, channelCount: 0, decoder: 'ffmpeg', warnings: row.meta.warnings },
          result: { embedding: row.embedding, timeline, sliceCount: row.meta.slices ?? 0, embeddingDim: model.embeddingDim, centres: row.meta.centres ?? [] },
        },
      });
    }
  }
  const unchanged = new Map<string, ReusedFile>();
  for (const file of candidates) {
    const row = rows.get(file);
    if (!row || row.size === null || row.mtimeMs === null) continue;
    const info = await stat(file).catch(() => null);
    if (info && info.size === row.size && Math.round(info.mtimeMs) === row.mtimeMs) unchanged.set(file, row.reused);
  }
  return unchanged;
}
