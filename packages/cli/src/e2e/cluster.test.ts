/**
 * A test that plays the cluster: three `mule embed` processes run as the tasks of an AWS Batch array
 * job over one list (`--inputs`, `--shard auto`, Parquet output), one is killed (SIGKILL) after it has
 * committed files and is run again with --resume, then `mule merge` checks and merges the shards. The
 * union must equal a single-process run over the same list, no file twice and none missing; DuckDB
 * (`@duckdb/node-api`) reads the files with the right types, and the README's nearest-neighbour
 * query, run as written there, returns each track's near-duplicates first.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, readFile, rename, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { findFfmpeg, shardOf } from '@mule-ts/runtime';
import { makeTempDir } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifiedArtifacts } from '../__fixtures__/verified-artifacts.js';

const run = promisify(execFile);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const MULE_BIN = join(REPO_ROOT, 'packages/cli/bin/mule.js');
const ffmpeg = findFfmpeg();
if (!ffmpeg) console.warn('skipping the cluster test: ffmpeg is not on PATH (apt-get install ffmpeg)');

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function startMule(args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, [MULE_BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<Finished>((resolvePromise) => child.on('close', (code, signal) => resolvePromise({ code, signal, stderr })));
  return { child, done };
}

async function query(db: DuckDBConnection, sql: string): Promise<Array<Record<string, unknown>>> {
  return (await db.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>;
}

/** The README's DuckDB query (its first ```sql block), as written there. */
async function readmeQuery(): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const block = /```sql\n([\s\S]*?)```/.exec(readme);
  expect(block, 'the README shows a DuckDB query').toBeTruthy();
  return block![1]!;
}

describe.skipIf(!ffmpeg)('a sharded run on a pretend cluster (3 AWS Batch array tasks, one killed)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let flags: string[] = [];
  let art: string;
  let files: string[];
  let db: DuckDBConnection;
  const path = (...parts: string[]): string => join(tmp.dir, ...parts);
  const aws = (task: number): Record<string, string> => ({ AWS_BATCH_JOB_ARRAY_INDEX: String(task), AWS_BATCH_JOB_ARRAY_SIZE: '3' });

  beforeAll(async () => {
    tmp = await makeTempDir('mule-cluster-');
    await writeKerasFixture({ size: 'small', seed: 2, out: path('small.keras') });
    art = path('art');
    flags = (await verifiedArtifacts(path('small.keras'), art)).embedFlags;
    const ff = (...args: string[]): Promise<unknown> => run(ffmpeg!, ['-nostdin', '-v', 'error', '-y', ...args]);
    files = [];
    // 5 groups of 3 near-duplicates (the same music, a slightly different level and noise), for the neighbour query
    for (let g = 0; g < 5; g++) {
      for (let k = 0; k < 3; k++) {
        const file = path('music', `group-${g}`, `take-${k}.mp3`);
        await run('mkdir', ['-p', dirname(file)]);
        const tone = `aevalsrc=(0.3+0.02*${k})*sin(2*PI*${150 + 97 * g}*t)*(0.6+0.4*sin(2*PI*${0.5 + g}*t))+0.2*sin(2*PI*${420 + 61 * g}*t):s=44100:d=${8 + g}`;
        await ff('-f', 'lavfi', '-i', tone, '-f', 'lavfi', '-i', `anoisesrc=d=${8 + g}:c=pink:r=44100:a=0.02:seed=${10 * g + k}`, '-filter_complex', '[0][1]amix=inputs=2:normalize=0', '-c:a', 'libmp3lame', '-b:a', '128k', file);
        files.push(file);
      }
    }
    // more tracks, one too short for a slice, one that is not audio, one the list names but nobody wrote
    for (let i = 0; i < 14; i++) {
      const file = path('music', 'more', `track-${String(i).padStart(2, '0')}.wav`);
      await run('mkdir', ['-p', dirname(file)]);
      await ff('-f', 'lavfi', '-i', `sine=frequency=${300 + 40 * i}:duration=${i === 5 ? 1.5 : 4 + (i % 6)}:sample_rate=44100`, file);
      files.push(file);
    }
    await writeFile(path('music', 'more', 'notes.mp3'), 'not audio at all');
    files.push(path('music', 'more', 'notes.mp3'), path('music', 'more', 'gone.wav'));
    await writeFile(path('list.txt'), `# the catalogue\n${files.join('\n')}\n`);
    db = await (await DuckDBInstance.create()).connect();
  }, 300_000);
  afterAll(async () => {
    db?.closeSync();
    await tmp?.cleanup();
  });

  it('killed and resumed shards merge into exactly the single-process run; DuckDB reads them and finds the neighbours', async () => {
    const base = ['embed', '--inputs', path('list.txt'), '--model', art, ...flags, '--progress', 'lines', '--batch-size', '4'];
    const single = startMule([...base, '--out', path('single.parquet')], {});
    expect((await single.done).code, (await single.done).stderr).toBe(3); // two files fail: not audio, missing

    // three tasks at once; task 2 is killed as soon as its journal holds a committed file
    const tasks = [0, 1, 2].map((t) => startMule([...base, '--out', path('out', 'embeddings-{shard}.parquet'), '--shard', 'auto', '--resume'], aws(t)));
    const journal = path('out', 'embeddings-2-of-3.parquet.progress.jsonl');
    const killAt = Date.now() + 120_000;
    while (!(existsSync(journal) && (await readFile(journal, 'utf8')).includes('"status":"ok"')) && Date.now() < killAt) await new Promise((r) => setTimeout(r, 20));
    tasks[1]!.child.kill('SIGKILL');
    const outcomes = await Promise.all(tasks.map((t) => t.done));
    expect(outcomes[1]!.signal, 'task 2 was killed before it finished').toBe('SIGKILL');
    expect(existsSync(path('out', 'embeddings-2-of-3.parquet'))).toBe(false); // not complete, so not there
    expect(existsSync(path('out', 'embeddings-2-of-3.parquet.rows.partial'))).toBe(true);
    for (const t of [0, 2]) expect([0, 3], outcomes[t]!.stderr).toContain(outcomes[t]!.code);
    expect(outcomes[0]!.stderr).toContain('shard 1/3 from AWS Batch array job (AWS_BATCH_JOB_ARRAY_INDEX=0, AWS_BATCH_JOB_ARRAY_SIZE=3)');

    // a merge now says what is missing and writes nothing
    const shardFiles = [1, 2, 3].map((i) => path('out', `embeddings-${i}-of-3.parquet`));
    const early = startMule(['merge', shardFiles[0]!, shardFiles[2]!, '--out', path('all.parquet'), '--inputs', path('list.txt')], {});
    expect((await early.done).code).toBe(2);
    expect((await early.done).stderr).toMatch(/missing shard 2\/3/);
    const unfinished = startMule(['merge', ...shardFiles, '--out', path('all.parquet')], {});
    expect((await unfinished.done).stderr).toMatch(/embeddings-2-of-3\.parquet: this shard has not finished/);
    expect(existsSync(path('all.parquet'))).toBe(false);

    // the scheduler retries task 2: it resumes from its journal
    const retried = await startMule([...base, '--out', path('out', 'embeddings-{shard}.parquet'), '--shard', 'auto', '--resume'], aws(1)).done;
    expect([0, 3], retried.stderr).toContain(retried.code);
    expect(retried.stderr).toMatch(/resuming: \d+ of \d+ files already done/);

    const merged = await startMule(['merge', ...shardFiles, '--out', path('all.parquet'), '--inputs', path('list.txt')], {}).done;
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stderr).toMatch(new RegExp(`merged 3 shards: ${files.length} files \\(${files.length - 3} embedded, 2 failed\\)`));

    // the union equals the single-process run: same files once each, same statuses, same embeddings
    const columns = await query(db, `DESCRIBE SELECT * FROM '${path('all.parquet')}'`);
    expect(Object.fromEntries(columns.map((c) => [c.column_name, c.column_type]))).toMatchObject({
      path: 'VARCHAR', status: 'VARCHAR', error: 'VARCHAR', seconds: 'DOUBLE', slices: 'INTEGER', centres: 'INTEGER[]', embedding: 'FLOAT[]',
      warnings: 'VARCHAR[]', size: 'BIGINT', mtime: 'TIMESTAMP', model_sha256: 'VARCHAR', verification_id: 'VARCHAR',
    });
    const read = async (file: string): Promise<Map<string, { status: string; embedding: number[] | null; slices: number | null }>> => {
      const rows = await query(db, `SELECT path, status, embedding, slices FROM '${file}'`);
      const byPath = new Map(rows.map((r) => [r.path as string, { status: r.status as string, embedding: r.embedding as number[] | null, slices: r.slices as number | null }]));
      expect(byPath.size, `${file}: a file twice`).toBe(rows.length);
      return byPath;
    };
    const [one, all] = [await read(path('single.parquet')), await read(path('all.parquet'))];
    expect([...all.keys()].sort()).toEqual([...files].sort());
    expect([...one.keys()].sort()).toEqual([...files].sort());
    let maxAbs = 0;
    for (const [file, a] of all) {
      const b = one.get(file)!;
      expect([a.status, a.slices], file).toEqual([b.status, b.slices]);
      expect(a.embedding === null, file).toBe(b.embedding === null);
      a.embedding?.forEach((v, i) => (maxAbs = Math.max(maxAbs, Math.abs(v - b.embedding![i]!))));
    }
    expect(maxAbs).toBeLessThan(1e-5); // the same slices; only how they were batched differs
    expect(all.get(path('music', 'more', 'track-05.wav'))!.status).toBe('too_short');
    expect(all.get(path('music', 'more', 'gone.wav'))!.status).toBe('failed');
    // each shard holds exactly its files
    for (const [i, shard] of shardFiles.entries()) {
      for (const r of await query(db, `SELECT path FROM '${shard}'`)) expect(shardOf(r.path as string, 3)).toBe(i + 1);
    }

    // a completed task run again (a scheduler's duplicate): nothing new to do, and its file holds the same rows, byte for byte
    await copyFile(shardFiles[0]!, path('shard-1-before.parquet'));
    const again = await startMule([...base, '--out', path('out', 'embeddings-{shard}.parquet'), '--shard', 'auto', '--resume'], aws(0)).done;
    expect([0, 3], again.stderr).toContain(again.code);
    expect(again.stderr).toMatch(/resuming: \d+ of \d+ files already done/); // files that failed are tried again
    const changed = await query(db, `(SELECT * FROM '${path('shard-1-before.parquet')}' EXCEPT ALL SELECT * FROM '${shardFiles[0]}') UNION ALL (SELECT * FROM '${shardFiles[0]}' EXCEPT ALL SELECT * FROM '${path('shard-1-before.parquet')}')`);
    expect(changed.map((r) => JSON.stringify({ ...r, embedding: undefined, centres: undefined }))).toEqual([]);
    expect(Buffer.compare(await readFile(shardFiles[0]!), await readFile(path('shard-1-before.parquet'))), 'the same bytes').toBe(0);

    // the README's query over the shards (a glob), as written, for the first take of every group
    const dim = (await query(db, `SELECT len(embedding) AS d FROM '${path('all.parquet')}' WHERE status = 'ok' LIMIT 1`))[0]!.d as number;
    const sql = await readmeQuery();
    for (let g = 0; g < 5; g++) {
      const track = path('music', `group-${g}`, 'take-0.mp3');
      const text = sql.replaceAll("'out/embeddings-*.parquet'", `'${path('out', 'embeddings-*.parquet')}'`).replaceAll("'music/track.mp3'", `'${track}'`).replaceAll('1728', String(dim));
      const neighbours = (await query(db, text)).map((r) => r.path as string);
      expect(neighbours).toHaveLength(5);
      expect(neighbours.slice(0, 2).sort(), `nearest to ${track}`).toEqual([1, 2].map((k) => path('music', `group-${g}`, `take-${k}.mp3`)));
    }
  }, 600_000);

  it('merge refuses shards of two runs, a shard given twice, and files outside the list', async () => {
    const shardFiles = [1, 2, 3].map((i) => path('out', `embeddings-${i}-of-3.parquet`));
    if (!shardFiles.every((f) => existsSync(f))) return; // the first test failed; it says why
    const twice = await startMule(['merge', shardFiles[0]!, shardFiles[0]!, shardFiles[1]!, shardFiles[2]!, '--out', path('twice.parquet')], {}).done;
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/shard 1\/3 was given 2 times/);
    await writeFile(path('short-list.txt'), files.slice(3).join('\n'));
    const outside = await startMule(['merge', ...shardFiles, '--out', path('outside.parquet'), '--inputs', path('short-list.txt')], {}).done;
    expect(outside.stderr).toMatch(/3 file\(s\) are not in the list/);
    // a run of another shard count
    await rename(path('single.parquet'), path('other-run.parquet'));
    const mixed = await startMule(['merge', ...shardFiles, path('other-run.parquet'), '--out', path('mixed.parquet')], {}).done;
    expect(mixed.stderr).toMatch(/is shard 1\/1, .* is shard 1\/3: not one run/);
    for (const f of ['twice', 'outside', 'mixed']) expect(existsSync(path(`${f}.parquet`))).toBe(false);
  }, 120_000);

  it('--skip-unchanged carries over the rows of files unchanged since an earlier output; a touched or new file is embedded', async () => {
    if (!existsSync(path('all.parquet'))) return; // the first test failed; it says why
    const touched = files[3]!;
    const now = new Date(Date.now() + 5000);
    await utimes(touched, now, now);
    const added = path('music', 'more', 'added.wav');
    await run(ffmpeg!, ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=512:duration=6:sample_rate=44100', added]);
    await writeFile(path('list-2.txt'), [...files, added].join('\n'));
    const r = await startMule(['embed', '--inputs', path('list-2.txt'), '--model', art, ...flags, '--out', path('again.parquet'), '--skip-unchanged', path('all.parquet'), '--progress', 'none'], {}).done;
    expect(r.code, r.stderr).toBe(3); // the two broken files fail again
    // every ok or too-short file of the earlier output but the touched one is carried over
    const earlier = await query(db, `SELECT path, embedding FROM '${path('all.parquet')}' WHERE status <> 'failed'`);
    expect(r.stderr).toContain(`${earlier.length - 1} unchanged, carried over`);
    const again = new Map((await query(db, `SELECT path, status, embedding FROM '${path('again.parquet')}'`)).map((row) => [row.path as string, row]));
    expect(again.size).toBe(files.length + 1);
    expect(again.get(added)!.status).toBe('ok');
    for (const row of earlier) {
      if (row.path === touched) continue;
      expect(again.get(row.path as string)!.embedding, row.path as string).toEqual(row.embedding); // carried over exactly
    }
  }, 300_000);
});
