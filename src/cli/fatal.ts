/**
 * How the `imp` process ends when something goes wrong outside a command's own errors:
 *
 * - an internal error (a bug: an exception no command turned into a CliError, thrown or
 *   uncaught) is one line on stderr, `imp: internal error: MESSAGE`, and exit code 1; with
 *   IMP_DEBUG=1 in the environment the stack follows that line;
 * - the reader of standard output going away (`imp decode FILE | head -1`: EPIPE) ends the
 *   process quietly with exit code 0, as the end of the output it wanted;
 * - standard error closed early is ignored (nothing can be said there any more).
 *
 * Exit hooks (`process.on("exit")`, e.g. the fuzzer's killing of its --exec children) run on
 * each of these paths, since they all end in process.exit.
 */

import { oneLine } from "./errors.js";

/** Whether IMP_DEBUG asks for stacks. */
export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.IMP_DEBUG;
  return v !== undefined && v !== "" && v !== "0";
}

/** The text an internal error prints: one line, or that line and the stack with IMP_DEBUG=1. */
export function internalErrorText(e: unknown, debug = debugEnabled()): string {
  const message = e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e);
  const line = `imp: internal error: ${oneLine(message)} (a bug in impkit; IMP_DEBUG=1 shows where)`;
  const stack = debug && e instanceof Error && e.stack ? `${e.stack}\n` : "";
  return `${line}\n${stack}`;
}

/** Reports an internal error and ends the process with exit code 1 (its state is unknown). */
export function dieOfInternalError(e: unknown): never {
  try {
    process.stderr.write(internalErrorText(e));
  } catch {
    // stderr is gone: the exit code still tells.
  }
  process.exit(1);
}

let installed = false;

/** Installs the process-wide handlers described above (once). */
export function installProcessGuards(): void {
  if (installed) return;
  installed = true;
  process.on("uncaughtException", (e) => dieOfInternalError(e));
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    dieOfInternalError(e);
  });
  process.stderr.on("error", () => {
    // EPIPE or worse on stderr: keep going silently; the exit code still tells.
  });
}
