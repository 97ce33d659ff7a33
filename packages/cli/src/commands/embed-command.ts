/** `mule embed FILE|DIR... --model DIR --out OUT [options]`: see EMBED_USAGE. */
import { checkInputsExist, defaultJobs, embedCatalogue, isMuleError, shardFromScheduler, type CatalogueProgress, type MuleError } from '@mule-ts/runtime';
import { EXIT_OK, EXIT_SOME_FAILED } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { ProgressBar } from '../progress-bar.js';
import { InputError, requireExisting } from '../input-error.js';
import { UsageError } from '../usage-error.js';
import { EMBED_USAGE, SHARD_PLACEHOLDER, parseEmbedArgs } from './embed-args.js';

export async function runEmbedCommand(args: readonly string[], io: CliIo): Promise<number> {
  const cmd = parseEmbedArgs(args, defaultJobs());
  if (cmd.help) {
    io.stdout.write(`${EMBED_USAGE}\n`);
    return EXIT_OK;
  }
  await requireExisting(cmd.model, '--model', 'point --model at a directory written by mule convert and verified by mule verify --onnx', 'directory');
  // The catalogue checks its inputs too; checked here first, a missing one is a usage problem (exit 2).
  await checkInputsExist([...cmd.inputs, ...(cmd.inputLists ?? []), ...(cmd.skipUnchanged ?? [])]).catch((e: MuleError) => {
    throw new InputError(e.message, e.details.hint ?? 'check the path');
  });
  if (cmd.shardAuto) {
    try {
      const { shard, source } = shardFromScheduler(io.env ?? process.env, cmd.shardAuto.count);
      cmd.shard = shard;
      io.stderr.write(`shard ${shard.index}/${shard.count} from ${source}\n`);
    } catch (e) {
      if (isMuleError(e)) throw new InputError(e.message, e.details.hint ?? 'give --shard I/N');
      throw e;
    }
  }
  if (cmd.out.includes(SHARD_PLACEHOLDER)) {
    if (!cmd.shard) throw new UsageError(`--out ${cmd.out}: ${SHARD_PLACEHOLDER} names the shard, so it needs --shard (I/N, auto or auto/N)`, 'embed');
    cmd.out = cmd.out.replaceAll(SHARD_PLACEHOLDER, `${cmd.shard.index}-of-${cmd.shard.count}`);
  }
  const mode = ProgressBar.modeFor(cmd.progress, io.stderr);
  let bar: ProgressBar | null = null;
  const progress: CatalogueProgress = {
    start: ({ model, verification, selected, skippedAsDone, todo }) => {
      io.stderr.write(`model: ${model}: ${verification.verified ? verification.reason : `NOT VERIFIED (${verification.reason})`}\n`);
      if (skippedAsDone > 0) io.stderr.write(`resuming: ${skippedAsDone} of ${selected} files already done\n`);
      bar = new ProgressBar(todo, mode, io.stderr);
    },
    warn: (message) => (bar ? bar.note(`warning: ${message}`, true) : io.stderr.write(`warning: ${message}\n`)),
    note: (message) => bar?.note(`note: ${message}`),
    tick: (ok, seconds) => bar?.tick(ok, seconds),
    finish: () => bar?.finish(),
  };
  const summary = await embedCatalogue(cmd, progress);
  if (summary.failed.length > 0) {
    io.stderr.write(`\n${summary.failed.length} of ${summary.embedded + summary.tooShort.length + summary.failed.length} files failed and were skipped:\n${summary.failed.map((f) => `  ${f.error}`).join('\n')}\n`);
  }
  if (summary.withWarnings.length > 0) {
    io.stderr.write(`\n${summary.withWarnings.length} files were embedded with a warning about their audio (flagged in the output):\n${summary.withWarnings.flatMap((f) => f.warnings.map((w) => `  ${w}`)).join('\n')}\n`);
  }
  if (summary.tooShort.length > 0) {
    io.stderr.write(`\n${summary.tooShort.length} files are too short to give a slice (2 s or less, as upstream) and have no embedding (a NaN row, null in .jsonl):\n${summary.tooShort.map((f) => `  ${f.file} (${f.seconds.toFixed(2)} s)`).join('\n')}\n`);
  }
  const parts = [
    `embedded ${summary.embedded} files (${(summary.audioSeconds / 3600).toFixed(3)} h of audio) in ${summary.wallSeconds.toFixed(1)} s`,
    summary.tooShort.length ? `${summary.tooShort.length} too short for a slice` : '',
    summary.withWarnings.length ? `${summary.withWarnings.length} with warnings` : '',
    summary.skippedAsDone ? `${summary.skippedAsDone} already done` : '',
    summary.carriedOver ? `${summary.carriedOver} unchanged, carried over` : '',
    summary.failed.length ? `${summary.failed.length} failed` : '',
  ].filter(Boolean);
  io.stderr.write(`${parts.join(', ')} -> ${cmd.out}\n`);
  return summary.failed.length > 0 ? EXIT_SOME_FAILED : EXIT_OK;
}
