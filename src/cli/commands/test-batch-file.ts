/** The file of `imp test server|client --exec-each FILE`, read and parsed, or a one-line CliError. */
import { readFileSync } from "node:fs";
import { parseBatchFile } from "../../../fuzz/conformance/batch.js";
import { CliError, readErrorReason } from "../errors.js";

export function readBatchEntries(path: string): ReturnType<typeof parseBatchFile> {
  try {
    return parseBatchFile(readFileSync(path, "utf8"));
  } catch (e) {
    throw new CliError(`cannot use ${path}: ${e instanceof Error && !("code" in e) ? e.message : readErrorReason(e)}`);
  }
}
