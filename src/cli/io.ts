/** Where commands write, and the exit code they ask for; tests pass their own. */
import { guardStderr, guardStdout } from "./fatal.js";

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Set by a command that finishes with a non-zero status without throwing. */
  exitCode: number;
  /** Standard input, for commands that read scripts or captures from a pipe. */
  stdin?: NodeJS.ReadableStream;
}

/** The process's own streams; a reader of stdout that goes away ends the process quietly (src/cli/fatal.ts). */
export function processIo(): CliIo {
  return {
    out: (text) => {
      guardStdout();
      process.stdout.write(text);
    },
    err: (text) => {
      guardStderr();
      process.stderr.write(text);
    },
    exitCode: 0,
    stdin: process.stdin,
  };
}

/** An io that collects output in strings (tests). */
export function bufferIo(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = "";
  let err = "";
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    exitCode: 0,
    stdout: () => out,
    stderr: () => err,
  };
}
