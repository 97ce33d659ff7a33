export { DUMP_ARRAY_NAMES, DUMP_INFO_FILE, DUMP_MANIFEST_FILE, readUpstreamDump, UpstreamDumpError, type DumpArrayName, type FloatArray, type UpstreamDump } from './read-upstream-dump.js';
export { DUMP_STAGE_ORDER, runDumpParity, type DumpParityOptions } from './run-dump-parity.js';
