/**
 * Files -> embeddings at catalogue scale (`mule embed`). Decoding and the front-end run on worker
 * threads while the main thread runs the backbone over slices batched across files; results are
 * committed in input order to the output and to a progress journal (for `resume`). A file that
 * fails is reported, journaled and skipped; the batch goes on.
 */
import { mkdir, readdir, rmdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname } from 'node:path';
import { backboneFileName, type BackbonePrecision, type ShortClipMode, type VerificationStatus } from '@mule-ts/core';
import type { AudioDecoder } from '../audio/index.js';
import { MuleModel } from '../model/index.js';
import { collectInputs } from './collect-inputs.js';
import type { CatalogueOutputKind, EmbeddingOutput } from './embedding-output.js';
import { runEmbedPipeline, type PipelineTimes } from './embed-pipeline.js';
import { readInputList } from './input-list.js';
import { findUnchangedFiles, type ReusedFile } from './unchanged-files.js';
import { FrontEndPool } from './front-end-pool.js';
import { JsonlOutput } from './jsonl-output.js';
import { NpyRowsOutput } from './npy-rows-output.js';
import { ParquetOutput } from './parquet-output.js';
import { acquireOutputLock } from './output-lock.js';
import { checkInputsExist, checkOutputIsOurs, journalPathFor, outputDirOf } from './output-guard.js';
import { ProgressJournal } from './progress-journal.js';
import { inShard, type Shard } from './shard.js';
import { TimelineDirOutput } from './timeline-dir-output.js';

export type { CatalogueOutputKind } from './embedding-output.js';

export interface CatalogueOptions {
  /** Audio files, and directories searched recursively for `extensions`. */
  inputs: string[];
  /** Files listing more audio paths, one per line (`--inputs`); read, not walked. */
  inputLists?: string[];
  /** Earlier Parquet outputs: files unchanged since (path, size, mtime; same backbone file) are carried over, not embedded again. */
  skipUnchanged?: string[];
  /** The converted artifacts directory. */
  model: string;
  out: string;
  outKind: CatalogueOutputKind;
  /** Include the per-slice timeline (.jsonl or directory output). */
  timeline: boolean;
  /** Write each file's decoded signal, waveform, mel and slices as .npy under this directory. */
  dumpStages: string | null;
  resume: boolean;
  overwrite: boolean;
  shard: Shard | null;
  decoder: AudioDecoder;
  ffmpegPath: string | null;
  /** Front-end worker threads; 0 runs decoding and the front-end on the main thread. */
  jobs: number;
  batchSize: number;
  shortClip: ShortClipMode;
  /** Run artifacts that have no passing verification record (with a warning). */
  allowUnverified: boolean;
  /** Which backbone file runs (default 'fp32'); a variant needs its own verification record. */
  precision?: BackbonePrecision;
  /** Stop after this many files (for tests and trial runs); null = all. */
  limit: number | null;
  extensions: string[];
}

/** What a catalogue run reports as it goes; the CLI draws it. */
export interface CatalogueProgress {
  /** Once the model is loaded and the work is known. */
  start(info: { model: string; verification: VerificationStatus; selected: number; skippedAsDone: number; todo: number }): void;
  /** Something the user must see whatever the progress display (a warning, a file that failed). */
  warn(message: string): void;
  /** Information (e.g. a clip too short to give a slice). */
  note(message: string): void;
  tick(ok: boolean, audioSeconds: number): void;
  finish(): void;
}

export interface CatalogueSummary {
  /** Files of this run's selection (after the shard), before resume and limit. */
  selected: number;
  skippedAsDone: number;
  /** Files with an embedding written in this run. */
  embedded: number;
  /** Files decoded but too short to give a slice (2 s or less, as upstream): a NaN row / null embedding. */
  tooShort: Array<{ file: string; seconds: number }>;
  /** Files embedded whose audio came with a warning (e.g. shorter than its header says); flagged in the output too. */
  withWarnings: Array<{ file: string; warnings: string[] }>;
  failed: Array<{ file: string; error: string }>;
  audioSeconds: number;
  wallSeconds: number;
  /** Files carried over from --skip-unchanged outputs instead of embedded (counted in `embedded`/`tooShort` too). */
  carriedOver: number;
  /** Seconds the backbone ran, and seconds it waited for the front-end to hand on slices. */
  backboneSeconds: number;
  backboneWaitingSeconds: number;
  verification: VerificationStatus;
}

export function defaultJobs(): number {
  // cores - 1, but 2 on a 2-core machine: measured there (16 x 30 s mp3, full-size model), two
  // front-end workers beside the backbone's threads finish the catalogue ~10% sooner than one.
  const cores = availableParallelism();
  return cores === 2 ? 2 : Math.max(1, cores - 1);
}

const SILENT: CatalogueProgress = { start: () => undefined, warn: () => undefined, note: () => undefined, tick: () => undefined, finish: () => undefined };

function makeOutput(options: CatalogueOptions, model: MuleModel, backboneSha256: string, selected: number): EmbeddingOutput {
  const dim = model.embeddingDim;
  if (options.outKind === 'parquet') {
    return new ParquetOutput(options.out, {
      embeddingDim: dim,
      timeline: options.timeline,
      modelSha256: backboneSha256,
      verificationId: model.verification.record?.id ?? null,
      precision: model.precision,
      shard: options.shard,
      selected,
    });
  }
  if (options.outKind === 'npy') return new NpyRowsOutput(options.out, dim);
  if (options.outKind === 'jsonl') return new JsonlOutput(options.out, options.timeline);
  return new TimelineDirOutput(outputDirOf(options.out), options.timeline);
}

export async function embedCatalogue(options: CatalogueOptions, progress: CatalogueProgress = SILENT): Promise<CatalogueSummary> {
  const started = Date.now();
  // A path that does not exist stops the run before anything about the output is created.
  await checkInputsExist([...options.inputs, ...(options.inputLists ?? [])]);
  // Then the lock: nothing about the output is read or written by a run that does not hold it.
  const journalPath = journalPathFor(options.out, options.outKind);
  const lockPath = `${journalPath}.lock`;
  // The first directory this run creates (if any), removed again if the run leaves it empty.
  const created = await mkdir(dirname(journalPath), { recursive: true });
  const lock = await acquireOutputLock(lockPath, options.out);
  try {
    if (lock.tookOverFrom) {
      const { pid, host, startedAt } = lock.tookOverFrom;
      progress.warn(`took over the lock of ${options.out} from a run that is gone (pid ${pid} on ${host}, started ${startedAt}); resume continues from what it journaled`);
    }
    await checkOutputIsOurs(options.out, options.outKind, options, [basename(lockPath)]);
    return await embedLocked(options, journalPath, progress, started);
  } finally {
    await lock.release();
    if (created !== undefined) await removeIfEmpty(created, dirname(journalPath));
  }
}

/** Removes `leaf` and its parents up to `top` while they are empty (a run that wrote nothing leaves no directory). */
async function removeIfEmpty(top: string, leaf: string): Promise<void> {
  for (let dir = leaf; dir.startsWith(top); dir = dirname(dir)) {
    if ((await readdir(dir).catch(() => ['?'])).length > 0) return;
    await rmdir(dir).catch(() => undefined);
    if (dir === top) return;
  }
}

async function embedLocked(options: CatalogueOptions, journalPath: string, progress: CatalogueProgress, started: number): Promise<CatalogueSummary> {
  const listed: string[] = [];
  for (const list of options.inputLists ?? []) listed.push(...(await readInputList(list)));
  const all = await collectInputs(options.inputs, options.extensions, listed);
  const selected = all.filter((f) => inShard(f, options.shard));

  const model = await MuleModel.load(options.model, {
    batchSize: options.batchSize,
    requireVerified: !options.allowUnverified,
    onWarning: (m) => progress.warn(m),
    ...(options.precision ? { precision: options.precision } : {}),
  });
  // the backbone file this run embeds with: recorded in Parquet rows, compared by --skip-unchanged
  const backboneSha256 = model.manifest.files[backboneFileName(model.precision)]?.sha256 ?? '';
  const output = makeOutput(options, model, backboneSha256, selected.length);
  if (output.journalPath !== journalPath) throw new Error(`internal: output journal ${output.journalPath} is not ${journalPath}`);
  const journal = await ProgressJournal.open(output.journalPath, options.resume);
  const done = journal.doneFiles();
  let todo = selected.filter((f) => !done.has(f));
  const skippedAsDone = selected.length - todo.length;
  const reused = options.skipUnchanged?.length
    ? await findUnchangedFiles(options.skipUnchanged, todo, { modelSha256: backboneSha256, embeddingDim: model.embeddingDim, timeline: options.timeline }, (m) => progress.warn(m))
    : new Map<string, ReusedFile>();
  const cutByLimit = options.limit !== null && todo.length > options.limit;
  if (options.limit !== null) todo = todo.slice(0, options.limit);
  journal.checkConsistent(options.outKind === 'jsonl' || options.outKind === 'parquet' ? 'increasing' : 'counting');
  await output.open(options.resume, journal.committedEnd(), journal.summary().ok);

  progress.start({ model: options.model, verification: model.verification, selected: selected.length, skippedAsDone, todo: todo.length });
  const pool = new FrontEndPool(options.jobs, {
    frontEnd: { decoding: model.config.decoding, resampling: model.config.resampling, melFrontEnd: model.config.melFrontEnd, slicing: model.config.slicing },
    shortClip: options.shortClip,
    decoder: options.decoder,
    ffmpegPath: options.ffmpegPath,
    dumpStages: options.dumpStages,
    slicesPerPart: options.batchSize,
  });

  const failed: Array<{ file: string; error: string }> = [];
  let embedded = 0;
  const tooShort: Array<{ file: string; seconds: number }> = [];
  const withWarnings: Array<{ file: string; warnings: string[] }> = [];
  let audioSeconds = 0;
  let times: PipelineTimes = { backboneSeconds: 0, waitingSeconds: 0 };
  let finished = false;
  let carriedOver = 0;
  try {
    times = await runEmbedPipeline(todo, pool, model, Math.max(2, 2 * options.jobs), async (_index, outcome, result) => {
      if (outcome.ok && reused.has(outcome.file)) carriedOver++;
      if (outcome.ok && result) {
        const end = await output.write({ file: outcome.file, result, seconds: outcome.seconds, warnings: outcome.warnings });
        await journal.append({ file: outcome.file, status: 'ok', end, slices: result.sliceCount, seconds: outcome.seconds, ...(outcome.warnings.length ? { warnings: outcome.warnings } : {}) });
        for (const w of outcome.warnings) progress.warn(w);
        if (outcome.warnings.length) withWarnings.push({ file: outcome.file, warnings: outcome.warnings });
        if (result.embedding === null) {
          tooShort.push({ file: outcome.file, seconds: outcome.seconds });
          progress.warn(`${outcome.file}: ${outcome.seconds.toFixed(2)} s gives no slice (clips of 2 s or less, as upstream): no embedding, its row is NaN / null (--short-clip pad embeds it)`);
        } else {
          embedded++;
        }
        audioSeconds += outcome.seconds;
        progress.tick(true, outcome.seconds);
      } else if (!outcome.ok) {
        await journal.append({ file: outcome.file, status: 'failed', error: outcome.error });
        failed.push({ file: outcome.file, error: outcome.error });
        progress.warn(`failed: ${outcome.error}`);
        progress.tick(false, 0);
      }
    }, reused);
    finished = true;
  } finally {
    progress.finish();
    journal.checkConsistent(options.outKind === 'jsonl' || options.outKind === 'parquet' ? 'increasing' : 'counting');
    const { ok, failed: allFailed } = journal.summary();
    await output.close(ok, allFailed.map(({ file, error }) => ({ file, error })), finished && !cutByLimit);
    await pool.close();
    await model.close();
  }
  return { selected: selected.length, skippedAsDone, embedded, tooShort, withWarnings, failed, audioSeconds, wallSeconds: (Date.now() - started) / 1000, carriedOver, backboneSeconds: times.backboneSeconds, backboneWaitingSeconds: times.waitingSeconds, verification: model.verification };
}
