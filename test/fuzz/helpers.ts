/** Helpers for fuzzer tests: faulty fixture targets as udp:// targets started with --exec. */
import { fileURLToPath } from "node:url";
import { RemoteTarget } from "../../fuzz/targets/remote.js";
import type { FuzzCase } from "../../fuzz/case.js";

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/fuzz-targets/${name}.mjs`, import.meta.url));
}

export function fixtureExec(name: string): string {
  return `"${process.execPath}" "${fixturePath(name)}" {port}`;
}

export function fixtureTarget(name: string, hangMs = 300): RemoteTarget {
  return new RemoteTarget({ url: "udp://127.0.0.1:0", exec: fixtureExec(name), hangMs });
}

/** Every mutation of a case, flattened. */
export function mutationsOf(c: FuzzCase) {
  return c.steps.flatMap((s) => s.mutations);
}
