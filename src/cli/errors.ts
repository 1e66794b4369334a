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

/** Folds a message onto one line (an error message quoted from elsewhere may hold several). */
export function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, " ");
}

/** Why reading a file failed, in a few words ("no such file", "is a directory"...). */
export function readErrorReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException | undefined;
  switch (err?.code) {
    case "ENOENT":
      return "no such file";
    case "EISDIR":
      return "is a directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    default:
      return oneLine(e instanceof Error ? e.message : String(e));
  }
}
