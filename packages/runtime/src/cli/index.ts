export { runMule, main } from './main.js';
export { parseEmbedArgs, outputKindOf, EMBED_USAGE, DEFAULT_EXTENSIONS, type EmbedCommand, type OutputKind } from './embed-args.js';
export { UsageError } from './usage-error.js';
export { runEmbedCommand, defaultJobs, EXIT_OK, EXIT_FATAL, EXIT_USAGE, EXIT_SOME_FAILED, type EmbedRunSummary } from './embed-command.js';
export { parseShard, shardOf, inShard, type Shard } from './shard.js';
export { collectInputs, mirroredName } from './collect-inputs.js';
export { ProgressJournal, type JournalEntry, type JournalOk, type JournalFailed } from './progress-journal.js';
export { indexPathFor } from './npy-rows-output.js';
export { TimelineDirOutput } from './timeline-dir-output.js';
