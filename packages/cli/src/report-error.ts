/**
 * Every error any command meets, printed once, the same way:
 *
 *   error [CODE]: what went wrong, naming the file, layer or field
 *     what to do about it
 *
 * and mapped to an exit code.
 */
import { isMuleError, type MuleErrorCode } from '@mule-ts/core';
import { VerifyInputError } from '@mule-ts/verify';
import { EXIT_FAILURE, EXIT_USAGE } from './exit-codes.js';
import { InputError } from './input-error.js';
import { UsageError } from './usage-error.js';

/** What to do, for errors that carry no hint of their own. */
const DEFAULT_HINTS: Partial<Record<MuleErrorCode, string>> = {
  NOT_A_MODEL_FILE: 'give the .keras (or legacy .h5) file Keras saved the model to',
  TRUNCATED: 'the file is incomplete: download or copy it again',
  MISSING_MEMBER: 'the file or directory is incomplete: convert or copy it again',
  MALFORMED_JSON: 'the file was edited or damaged: convert the Keras file again (mule convert)',
  MALFORMED_CONFIG: 'the file was edited or damaged: convert the Keras file again (mule convert)',
  WRONG_ARCHITECTURE: 'mule-ts converts the MULE model (SF-NFNet-F0); mule inspect FILE lists what this file holds',
  MISSING_WEIGHT: 'the Keras file lacks weights the architecture needs: save the whole model again',
  EXTRA_WEIGHT: 'the Keras file holds weights the architecture does not use: is it the MULE embedding model?',
  WRONG_SHAPE: 'the Keras file does not hold the MULE architecture: check that it is the right file',
  NON_FINITE: 'the file holds NaN or infinite values: it is damaged or was saved mid-training',
  CHECKSUM_MISMATCH: 'an artifact changed since conversion: restore it, or convert again (mule convert)',
  INVALID_INPUT: 'check the input named above',
  IO: 'check the path and its permissions',
};

export interface ErrorReport {
  text: string;
  exitCode: number;
}

export function reportError(error: unknown): ErrorReport {
  if (error instanceof UsageError) {
    const help = error.command ? `mule ${error.command} --help` : 'mule --help';
    return { text: `error [USAGE]: ${error.message}\n  ${help} lists the options\n`, exitCode: EXIT_USAGE };
  }
  if (error instanceof VerifyInputError || error instanceof InputError) {
    return { text: `error [INPUT]: ${error.message}\n  ${error.hint}\n`, exitCode: EXIT_USAGE };
  }
  if (isMuleError(error)) {
    const hint = error.details.hint ?? DEFAULT_HINTS[error.code];
    return { text: `error [${error.code}]: ${error.message}\n${hint ? `  ${hint}\n` : ''}`, exitCode: error.code === 'OUTPUT_EXISTS' || error.code === 'OUTPUT_LOCKED' ? EXIT_USAGE : EXIT_FAILURE };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { text: `error [INTERNAL]: ${message}\n  this is a bug in mule-ts: please report it with the command you ran\n`, exitCode: EXIT_FAILURE };
}
