/** An error the CLI reports as one line on stderr with a non-zero exit code (2 for usage and input errors). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = "CliError";
  }
}
