#!/usr/bin/env node
// `imp read` may dissect on a second thread: start it now, while the CLI loads (it is only
// taken for a big capture file; otherwise it is dropped).
import { prestartSummaryWorker } from "../../dissector/read/summary-thread.js";
import { dieOfInternalError, installProcessGuards } from "./fatal.js";

// An exception nobody caught is an internal error: one line (IMP_DEBUG=1: with the stack), exit 1.
installProcessGuards();
if (process.argv[2] === "read") prestartSummaryWorker(process.argv.slice(3));
const { runCli } = await import("./program.js");

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => dieOfInternalError(e),
);
