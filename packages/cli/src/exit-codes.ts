/** The exit codes of every `mule` command (the README has the same table). */
export const EXIT_OK = 0;
/** An error (a bad model file, a refused artifact, an I/O failure), or a verification that failed or did not complete. */
export const EXIT_FAILURE = 1;
/** A usage or input problem found before any work: an unknown flag, a missing file, an output holding an earlier run. */
export const EXIT_USAGE = 2;
/** `mule embed`: the batch completed but some files failed (listed at the end and in the journal). */
export const EXIT_SOME_FAILED = 3;
