export { runMule, MULE_USAGE, type RunMuleOptions } from './run-mule.js';
export type { CliIo, OutputStream } from './io.js';
export { EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_SOME_FAILED } from './exit-codes.js';
