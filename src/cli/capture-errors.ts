/** Turns what can go wrong when opening or reading a capture into one clear CLI sentence. */
import { statSync } from "node:fs";
import { CaptureFormatError } from "../../dissector/capture/errors.js";
import { CliError } from "./errors.js";

export function captureError(file: string, e: unknown): CliError | null {
  if (e instanceof CaptureFormatError) return new CliError(`${file}: ${e.message}`);
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return new CliError(`${file}: no such file`);
  if (code === "EISDIR") return new CliError(`${file}: is a directory, not a capture file`);
  if (code === "EACCES" || code === "EPERM") return new CliError(`${file}: permission denied`);
  return null;
}

/**
 * Checks, before anything starts, that `file` names something a capture can be read from: it
 * exists and is no directory (a FIFO or a device is fine). CliError otherwise.
 */
export function checkCaptureFile(file: string): void {
  let directory: boolean;
  try {
    directory = statSync(file).isDirectory();
  } catch (e) {
    throw captureError(file, e) ?? new CliError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (directory) throw new CliError(`${file}: is a directory, not a capture file`);
}
