/**
 * `mule merge`: the Parquet files of one sharded run into one. Refused, with everything that is
 * wrong listed, unless the shards are complete (every shard of the run, each holding every file it
 * was given), disjoint (no file twice) and of one run (one shard count, one model, one embedding
 * width), and, given the run's list, cover exactly that list. The checks read only the paths;
 * the rows are then copied shard by shard, a row group at a time (a catalogue's embeddings need not
 * fit in memory). The merged file is written to OUT.partial and renamed into place.
 */
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { MuleError } from '@mule-ts/core';
import { ParquetWriter } from 'hyparquet-writer';
import { readInputList } from './input-list.js';
import { PARQUET_FORMAT, PARQUET_METADATA_KEYS, PARQUET_ROW_GROUP_ROWS, columnsOf, loggedRowOf, parquetKeyValues, parquetSchema, rowGroupFileWriter } from './parquet-output.js';
import { openEmbeddingsParquet, type OpenEmbeddingsParquet } from './read-embeddings-parquet.js';
import { shardOf } from './shard.js';

export interface MergeOptions {
  /** The shards' .parquet files (any order). */
  shards: string[];
  out: string;
  /** The run's `--inputs` lists: the merged file must hold exactly their files. */
  inputLists?: string[];
  /** Replace an existing OUT. */
  overwrite?: boolean;
}

export interface MergeSummary {
  shards: number;
  files: number;
  embedded: number;
  failed: number;
  out: string;
}

interface ShardFile {
  path: string;
  index: number;
  count: number;
  files: number;
  model: string;
  dim: number;
  precision: string;
  timeline: boolean;
  /** Every row's path, in file order. */
  paths: string[];
  file: OpenEmbeddingsParquet;
  verificationId: string | null;
}

const MAX_LISTED = 10;

function listed(items: readonly string[]): string {
  return items.length <= MAX_LISTED ? items.join(', ') : `${items.slice(0, MAX_LISTED).join(', ')} and ${items.length - MAX_LISTED} more`;
}

async function readShard(path: string): Promise<ShardFile> {
  if (!existsSync(path)) {
    const unfinished = existsSync(`${path}.rows.partial`);
    throw new MuleError('INVALID_INPUT', `${path}: ${unfinished ? 'this shard has not finished (only its row log is there)' : 'no such file'}`, {
      file: path,
      hint: unfinished ? 'run its task again with --resume until it completes' : 'give the .parquet files the tasks wrote',
    });
  }
  const file = await openEmbeddingsParquet(path);
  const { metadata } = file;
  if (metadata[PARQUET_METADATA_KEYS.format] !== PARQUET_FORMAT) {
    throw new MuleError('INVALID_INPUT', `${path}: not a file written by mule embed (no ${PARQUET_METADATA_KEYS.format} = ${PARQUET_FORMAT} in its metadata)`, { file: path });
  }
  const [index, count] = (metadata[PARQUET_METADATA_KEYS.shard] ?? '').split('/').map(Number) as [number, number];
  const firstRow = file.rowCount > 0 ? (await file.readRows({ columns: ['verification_id'], rowEnd: 1 }))[0] : undefined;
  return {
    path,
    index,
    count,
    files: Number(metadata[PARQUET_METADATA_KEYS.files]),
    model: metadata[PARQUET_METADATA_KEYS.modelSha256] ?? '',
    dim: Number(metadata[PARQUET_METADATA_KEYS.embeddingDim]),
    precision: metadata[PARQUET_METADATA_KEYS.precision] ?? '',
    timeline: file.columns.includes('timeline'),
    paths: (await file.readRows({ columns: ['path'] })).map((r) => r.path as string),
    file,
    verificationId: (firstRow?.verification_id as string | null | undefined) ?? null,
  };
}

export async function mergeShards(options: MergeOptions): Promise<MergeSummary> {
  if (existsSync(options.out) && !options.overwrite) {
    throw new MuleError('OUTPUT_EXISTS', `${options.out} exists`, { file: options.out, hint: 'choose another --out, or pass --overwrite to replace it' });
  }
  if (options.shards.length === 0) throw new MuleError('INVALID_INPUT', 'mule merge: no shard files given', { hint: 'give the .parquet files of every shard' });
  const shards: ShardFile[] = [];
  for (const path of options.shards) shards.push(await readShard(path));

  const problems: string[] = [];
  const first = shards[0]!;
  for (const s of shards) {
    if (s.count !== first.count) problems.push(`${s.path} is shard ${s.index}/${s.count}, ${first.path} is shard ${first.index}/${first.count}: not one run`);
    if (s.model !== first.model) problems.push(`${s.path} was embedded with another model (backbone sha256 ${s.model.slice(0, 12)}..., ${first.path}: ${first.model.slice(0, 12)}...)`);
    if (s.dim !== first.dim || s.precision !== first.precision) problems.push(`${s.path}: ${s.precision} ${s.dim}-d embeddings, ${first.path}: ${first.precision} ${first.dim}-d`);
    if (s.timeline !== first.timeline) problems.push(`${s.path} ${s.timeline ? 'has' : 'has no'} timelines, ${first.path} ${first.timeline ? 'has' : 'has no'}`);
    if (s.paths.length !== s.files) problems.push(`${s.path} holds ${s.paths.length} rows but was given ${s.files} files`);
    const elsewhere = s.paths.filter((p) => shardOf(p, s.count) !== s.index);
    if (elsewhere.length > 0) problems.push(`${s.path} (shard ${s.index}/${s.count}) holds files of other shards: ${listed(elsewhere)}`);
  }
  const byIndex = new Map<number, string[]>();
  for (const s of shards) byIndex.set(s.index, [...(byIndex.get(s.index) ?? []), s.path]);
  for (const [index, paths] of byIndex) if (paths.length > 1) problems.push(`shard ${index}/${first.count} was given ${paths.length} times: ${paths.join(', ')}`);
  const missingShards = Array.from({ length: first.count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missingShards.length > 0) problems.push(`missing shard${missingShards.length > 1 ? 's' : ''} ${listed(missingShards.map((i) => `${i}/${first.count}`))}`);

  const seen = new Map<string, string>();
  const twice: string[] = [];
  for (const s of shards) {
    for (const p of s.paths) {
      if (seen.has(p)) twice.push(`${p} (${seen.get(p)} and ${s.path})`);
      else seen.set(p, s.path);
    }
  }
  if (twice.length > 0) problems.push(`files in more than one row: ${listed(twice)}`);

  if (options.inputLists && options.inputLists.length > 0) {
    const wanted = new Set<string>();
    for (const list of options.inputLists) for (const f of await readInputList(list)) wanted.add(f);
    const missing = [...wanted].filter((f) => !seen.has(f));
    const extra = [...seen.keys()].filter((f) => !wanted.has(f));
    if (missing.length > 0) problems.push(`${missing.length} file(s) of the list are in no shard: ${listed(missing)}`);
    if (extra.length > 0) problems.push(`${extra.length} file(s) are not in the list: ${listed(extra)}`);
  }
  if (problems.length > 0) {
    throw new MuleError('INVALID_INPUT', `mule merge: the shards are not one complete run, nothing was written:\n  ${problems.join('\n  ')}`, {
      hint: 'resume or rerun the shards that are missing or incomplete (mule embed --resume), then merge again',
    });
  }

  shards.sort((a, b) => a.index - b.index);
  const target = `${options.out}.partial`;
  const total = shards.reduce((n, s) => n + s.paths.length, 0);
  const writer = new ParquetWriter({
    writer: rowGroupFileWriter(target),
    schema: parquetSchema(first.timeline),
    codec: 'SNAPPY',
    kvMetadata: [
      ...parquetKeyValues({ shard: '1/1', files: total, embeddingDim: first.dim, modelSha256: first.model, precision: first.precision }),
      { key: 'mule.merged_from', value: `${first.count} shards` },
    ],
  });
  let embedded = 0;
  let failed = 0;
  for (const s of shards) {
    const info = { embeddingDim: s.dim, timeline: s.timeline, modelSha256: s.model, verificationId: s.verificationId, precision: s.precision, shard: null, selected: s.files };
    for (let i = 0; i < s.paths.length; i += PARQUET_ROW_GROUP_ROWS) {
      const part = (await s.file.readRows({ rowStart: i, rowEnd: Math.min(s.paths.length, i + PARQUET_ROW_GROUP_ROWS) })).map((r) => loggedRowOf(r, s.timeline));
      embedded += part.filter((r) => r.meta.status === 'ok').length;
      failed += part.filter((r) => r.meta.status === 'failed').length;
      writer.write({ columnData: columnsOf(part, info), rowGroupSize: part.length });
    }
  }
  writer.finish();
  await rename(target, options.out);
  return { shards: shards.length, files: total, embedded, failed, out: options.out };
}
