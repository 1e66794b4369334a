/**
 * Files and folders a command writes (-w, -o, -d, --out): checked before the command starts, so
 * that a scenario, a proxy or a demo does not run for nothing, and errors while writing, as one
 * CLI sentence each.
 */
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { CliError } from "./errors.js";

/** Why a file-system call failed, in a few words. */
function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "no such directory";
    case "ENOTDIR":
      return "a part of the path is not a directory";
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    case "EEXIST":
      return "a file of that name is in the way";
    case "ENOSPC":
      return "no space left on the device";
    default:
      return code ?? (e instanceof Error ? e.message : String(e));
  }
}

/** Throws a CliError unless `file` can be created or replaced: its folder exists, is writable, and `file` is no directory. */
export function checkWritableFile(file: string): void {
  const dir = dirname(resolve(file));
  let folder;
  try {
    folder = statSync(dir);
  } catch (e) {
    throw new CliError(`cannot write ${file}: ${why(e)}`);
  }
  if (!folder.isDirectory()) throw new CliError(`cannot write ${file}: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new CliError(`cannot write ${file}: ${why(e)}`);
  }
  let target;
  try {
    target = statSync(file);
  } catch {
    return; // not there yet: created on write
  }
  if (target.isDirectory()) throw new CliError(`cannot write ${file}: is a directory`);
}

/**
 * Throws a CliError unless the folder `dir` exists or can be created (its nearest existing
 * ancestor is a writable directory), without creating anything.
 */
export function checkWritableFolder(dir: string): void {
  let path = resolve(dir);
  for (;;) {
    let found;
    try {
      found = statSync(path);
    } catch (e) {
      const up = dirname(path);
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" || up === path) throw new CliError(`cannot create folder ${dir}: ${why(e)}`);
      path = up;
      continue;
    }
    if (!found.isDirectory())
      throw new CliError(
        `cannot create folder ${dir}: ${path === resolve(dir) ? "a file of that name is in the way" : `${path} is not a directory`}`,
      );
    try {
      accessSync(path, constants.W_OK);
    } catch (e) {
      throw new CliError(`cannot create folder ${dir}: ${why(e)}`);
    }
    return;
  }
}

/** Creates `dir` (and its parents) unless it exists; CliError when it cannot be. */
export function makeOutputFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new CliError(`cannot create folder ${dir}: ${why(e)}`);
  }
}

/** A failed write of `file` as one CLI sentence; null when `e` is no file-system error. */
export function writeFileError(file: string | undefined, e: unknown): CliError | null {
  if (file === undefined) return null;
  const err = e as NodeJS.ErrnoException | undefined;
  if (!err || typeof err.code !== "string" || err.syscall === undefined) return null;
  return new CliError(`cannot write ${file}: ${why(e)}`);
}
