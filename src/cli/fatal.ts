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
 * The first two end in process.exit, so exit hooks (`process.on("exit")`: the fuzzer kills the
 * processes its targets started) run on them too.
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
  guardStderr();
  process.stderr.write(internalErrorText(e));
  process.exit(1);
}

let stdoutGuarded = false;
let stderrGuarded = false;

/**
 * From the first write through process.stdout on, the reader going away (EPIPE) ends the process
 * quietly with exit code 0. Installed on first use, not at start-up: creating process.stdout puts
 * a pipe in non-blocking mode, which imp read, writing fd 1 directly, does without.
 */
export function guardStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    dieOfInternalError(e);
  });
}

/** stderr closed early (EPIPE or worse): nothing can be said there any more; the exit code still tells. */
export function guardStderr(): void {
  if (stderrGuarded) return;
  stderrGuarded = true;
  process.stderr.on("error", () => undefined);
}

let installed = false;

/** Makes any exception nobody caught an internal error (one line, exit 1); once. */
export function installProcessGuards(): void {
  if (installed) return;
  installed = true;
  process.on("uncaughtException", (e) => dieOfInternalError(e));
}
