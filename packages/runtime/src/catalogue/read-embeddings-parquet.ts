/** Reads a Parquet file that `mule embed` wrote (for resume after completion and for `mule merge`), through hyparquet. */
import { MuleError } from '@mule-ts/core';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';

export interface EmbeddingsParquet {
  /** The file's key-value metadata (mule.shard, mule.files, ...). */
  metadata: Record<string, string>;
  rows: Array<Record<string, unknown>>;
}

export async function readEmbeddingsParquet(path: string): Promise<EmbeddingsParquet> {
  try {
    const file = await asyncBufferFromFile(path);
    const meta = await parquetMetadataAsync(file);
    const metadata = Object.fromEntries((meta.key_value_metadata ?? []).map((kv) => [kv.key, kv.value ?? '']));
    const rows = (await parquetReadObjects({ file, metadata: meta })) as Array<Record<string, unknown>>;
    return { metadata, rows };
  } catch (cause) {
    if (cause instanceof MuleError) throw cause;
    throw new MuleError('INVALID_INPUT', `${path}: not a readable Parquet file (${(cause as Error).message})`, { file: path, cause, hint: 'an unfinished shard has no .parquet yet (only .parquet.rows.partial): resume that task' });
  }
}
