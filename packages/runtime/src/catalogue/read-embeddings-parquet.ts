/** Reads a Parquet file that `mule embed` wrote (for resume after completion, --skip-unchanged and `mule merge`), through hyparquet. */
import { MuleError } from '@mule-ts/core';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';

export interface EmbeddingsParquet {
  /** The file's key-value metadata (mule.shard, mule.files, ...). */
  metadata: Record<string, string>;
  rows: Array<Record<string, unknown>>;
}

/** An open file: its metadata, and rows read on demand (some columns, a range), so a large file need not be in memory at once. */
export interface OpenEmbeddingsParquet {
  metadata: Record<string, string>;
  rowCount: number;
  columns: string[];
  readRows(options?: { columns?: string[]; rowStart?: number; rowEnd?: number }): Promise<Array<Record<string, unknown>>>;
}

function unreadable(path: string, cause: unknown): MuleError {
  return new MuleError('INVALID_INPUT', `${path}: not a readable Parquet file (${(cause as Error).message})`, {
    file: path,
    cause,
    hint: 'an unfinished shard has no .parquet yet (only .parquet.rows.partial): resume that task',
  });
}

export async function openEmbeddingsParquet(path: string): Promise<OpenEmbeddingsParquet> {
  try {
    const file = await asyncBufferFromFile(path);
    const meta = await parquetMetadataAsync(file);
    return {
      metadata: Object.fromEntries((meta.key_value_metadata ?? []).map((kv) => [kv.key, kv.value ?? ''])),
      rowCount: Number(meta.num_rows),
      columns: parquetSchema(meta).children.map((c) => c.element.name),
      readRows: async (options = {}) => {
        try {
          return (await parquetReadObjects({ file, metadata: meta, ...options })) as Array<Record<string, unknown>>;
        } catch (cause) {
          throw unreadable(path, cause);
        }
      },
    };
  } catch (cause) {
    if (cause instanceof MuleError) throw cause;
    throw unreadable(path, cause);
  }
}

export async function readEmbeddingsParquet(path: string): Promise<EmbeddingsParquet> {
  const file = await openEmbeddingsParquet(path);
  return { metadata: file.metadata, rows: await file.readRows() };
}
