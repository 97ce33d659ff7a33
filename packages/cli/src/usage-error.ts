/** A command-line mistake (an unknown flag, a missing argument): exit 2, with a pointer to the help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The subcommand, for the `mule <command> --help` pointer; null for the top level. */
    readonly command: string | null = null,
  ) {
    super(message);
  }
}
