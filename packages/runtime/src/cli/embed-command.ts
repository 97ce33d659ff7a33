/**
 * `mule embed`: files -> embeddings at catalogue scale. Decoding and the front-end run on worker
 * threads while the main thread runs the backbone over slices batched across files; results are
 * committed in input order to the output and to a progress journal (for --resume). A file that
 * fails is reported, journaled and skipped; the batch goes on.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { availableParallelism } from 'node:os';
import { MuleModel } from '../model/index.js';
import { collectInputs } from './collect-inputs.js';
import type { EmbedCommand } from './embed-args.js';
import type { EmbeddingOutput } from './embedding-output.js';
import { runEmbedPipeline } from './embed-pipeline.js';
import { FrontEndPool } from './front-end-pool.js';
import { JsonlOutput } from './jsonl-output.js';
import { NpyRowsOutput } from './npy-rows-output.js';
import { ProgressBar, type ProgressStream } from './progress-bar.js';
import { ProgressJournal } from './progress-journal.js';
import { inShard } from './shard.js';
import { TimelineDirOutput } from './timeline-dir-output.js';
import { UsageError } from './usage-error.js';

export const EXIT_OK = 0;
export const EXIT_FATAL = 1;
export const EXIT_USAGE = 2;
export const EXIT_SOME_FAILED = 3;

export interface EmbedRunSummary {
  exitCode: number;
  /** Files of this run's selection (after --shard), before --resume and --limit. */
  selected: number;
  skippedAsDone: number;
  embedded: number;
  failed: Array<{ file: string; error: string }>;
  audioSeconds: number;
  wallSeconds: number;
}

export function defaultJobs(): number {
  return Math.max(1, availableParallelism() - 1);
}

function makeOutput(cmd: EmbedCommand, dim: number): EmbeddingOutput {
  if (cmd.outKind === 'npy') return new NpyRowsOutput(cmd.out, dim);
  if (cmd.outKind === 'jsonl') return new JsonlOutput(cmd.out, cmd.timeline);
  return new TimelineDirOutput(cmd.out.replace(/\/+$/, '') || '/', cmd.timeline);
}

export async function runEmbedCommand(cmd: EmbedCommand, stderr: ProgressStream = process.stderr): Promise<EmbedRunSummary> {
  const started = Date.now();
  const all = await collectInputs(cmd.inputs, cmd.extensions);
  const selected = all.filter((f) => inShard(f, cmd.shard));

  const model = await MuleModel.load(cmd.model, { batchSize: cmd.batchSize });
  const output = makeOutput(cmd, model.embeddingDim);
  if (!cmd.resume && !cmd.overwrite && existsSync(output.journalPath)) {
    await model.close();
    throw new UsageError(`${cmd.out} holds an earlier run (${output.journalPath}): pass --resume to continue it or --overwrite to start again`);
  }
  await mkdir(dirname(output.journalPath), { recursive: true });
  const journal = await ProgressJournal.open(output.journalPath, cmd.resume);
  const done = journal.doneFiles();
  let todo = selected.filter((f) => !done.has(f));
  const skippedAsDone = selected.length - todo.length;
  if (cmd.limit !== null) todo = todo.slice(0, cmd.limit);
  await output.open(cmd.resume, journal.committedEnd());

  const progress = new ProgressBar(todo.length, ProgressBar.modeFor(cmd.progress, stderr), stderr);
  if (skippedAsDone > 0) progress.note(`resuming: ${skippedAsDone} of ${selected.length} files already done`);
  const pool = new FrontEndPool(cmd.jobs, {
    frontEnd: { melFrontEnd: model.config.melFrontEnd, slicing: model.config.slicing },
    shortClip: cmd.shortClip,
    decoder: cmd.decoder,
    ffmpegPath: cmd.ffmpegPath,
    dumpStages: cmd.dumpStages,
  });

  const failed: Array<{ file: string; error: string }> = [];
  let embedded = 0;
  let audioSeconds = 0;
  try {
    await runEmbedPipeline(todo, pool, model, cmd.batchSize, Math.max(2, 2 * cmd.jobs), async (_index, outcome, result) => {
      if (outcome.ok && result) {
        const end = await output.write({ file: outcome.file, result, seconds: outcome.seconds });
        await journal.append({ file: outcome.file, status: 'ok', end, slices: result.sliceCount, seconds: outcome.seconds });
        for (const w of outcome.warnings) progress.note(`warning: ${w}`);
        if (result.embedding === null) progress.note(`note: ${outcome.file}: ${outcome.seconds.toFixed(2)} s gives no slice (clips of 2 s or less, as upstream); its row is NaN (--short-clip pad embeds it)`);
        embedded++;
        audioSeconds += outcome.seconds;
        progress.tick(true, outcome.seconds);
      } else if (!outcome.ok) {
        await journal.append({ file: outcome.file, status: 'failed', error: outcome.error });
        failed.push({ file: outcome.file, error: outcome.error });
        progress.note(`failed: ${outcome.error}`);
        progress.tick(false, 0);
      }
    });
  } finally {
    progress.finish();
    const { ok, failed: allFailed } = journal.summary();
    await output.close(ok, allFailed.map(({ file, error }) => ({ file, error })));
    await pool.close();
    await model.close();
  }
  if (failed.length > 0) {
    stderr.write(`\n${failed.length} of ${todo.length} files failed and were skipped:\n${failed.map((f) => `  ${f.error}`).join('\n')}\n`);
  }
  const wallSeconds = (Date.now() - started) / 1000;
  stderr.write(
    `embedded ${embedded} files (${(audioSeconds / 3600).toFixed(3)} h of audio) in ${wallSeconds.toFixed(1)} s` +
      `${skippedAsDone ? `, ${skippedAsDone} already done` : ''}${failed.length ? `, ${failed.length} failed` : ''} -> ${cmd.out}\n`,
  );
  return { exitCode: failed.length > 0 ? EXIT_SOME_FAILED : EXIT_OK, selected: selected.length, skippedAsDone, embedded, failed, audioSeconds, wallSeconds };
}
