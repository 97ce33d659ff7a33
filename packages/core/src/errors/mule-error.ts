/**
 * The one error type of mule-ts: raised where the fact is known, printed once at the edge.
 * The message always names what the user can act on (file, layer, tensor, expected vs found).
 */
export type MuleErrorCode =
  | 'NOT_A_MODEL_FILE'
  | 'TRUNCATED'
  | 'MISSING_MEMBER'
  | 'MALFORMED_JSON'
  | 'MALFORMED_CONFIG'
  | 'UNSUPPORTED'
  | 'WRONG_ARCHITECTURE'
  | 'MISSING_WEIGHT'
  | 'EXTRA_WEIGHT'
  | 'WRONG_SHAPE'
  | 'WRONG_DTYPE'
  | 'NON_FINITE'
  | 'CHECKSUM_MISMATCH'
  | 'INVALID_INPUT'
  | 'UNVERIFIED'
  | 'OUTPUT_EXISTS'
  | 'OUTPUT_LOCKED'
  | 'OUTPUT_MISMATCH'
  | 'IO';

export interface MuleErrorDetails {
  file?: string;
  layer?: string;
  tensor?: string;
  /** The JSON field (e.g. of config.json) at fault, as a dotted path. */
  field?: string;
  /** What the user can do about it, one line (a CLI prints it under the message). */
  hint?: string;
  expected?: unknown;
  found?: unknown;
  cause?: unknown;
}

export class MuleError extends Error {
  readonly code: MuleErrorCode;
  readonly details: MuleErrorDetails;

  constructor(code: MuleErrorCode, message: string, details: MuleErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'MuleError';
    this.code = code;
    this.details = details;
  }
}

export function isMuleError(e: unknown): e is MuleError {
  return e instanceof MuleError;
}
