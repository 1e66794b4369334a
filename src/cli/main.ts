#!/usr/bin/env node
import { dieOfInternalError, installProcessGuards } from "./fatal.js";

// An exception nobody caught is an internal error: one line (IMP_DEBUG=1: with the stack), exit 1.
installProcessGuards();
const { runCli } = await import("./program.js");

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => dieOfInternalError(e),
);
