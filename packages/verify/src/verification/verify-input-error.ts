/**
 * A problem with what verify was asked to check (a missing file, artifacts that are not a converted
 * model, a Keras file that is not their source, no reference runner): found before anything is
 * computed or written. The CLI exits 2.
 */
export class VerifyInputError extends Error {
  constructor(
    message: string,
    /** What to do about it, one line. */
    readonly hint: string,
  ) {
    super(message);
    this.name = 'VerifyInputError';
  }
}
