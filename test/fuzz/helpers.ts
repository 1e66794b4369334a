/** Helpers for fuzzer tests: faulty fixture targets as udp:// targets started with --exec. */
import { fileURLToPath } from "node:url";
import { runCampaign } from "../../fuzz/index.js";
import { BundledClientTarget } from "../../fuzz/targets/bundled-client.js";
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

/** The crash, hang and state findings of a campaign, as "oracle: signature" lines. */
export const serious = (r: { findings: { finding: { oracle: string; signature: string } }[] }) =>
  r.findings.filter((f) => ["crash", "hang", "state"].includes(f.finding.oracle)).map((f) => `${f.finding.oracle}: ${f.finding.signature}`);

/** A stateful campaign of `cases` against the bundled client: its findings and the states it reached. */
export async function bundledClientCampaign(seed: number, cases: number): Promise<{ serious: string[]; states: string[] }> {
  const target = new BundledClientTarget();
  await target.open();
  try {
    const r = await runCampaign({ target, seed, cases, stateful: true });
    return { serious: serious(r), states: Object.keys(r.statesReached).sort() };
  } finally {
    await target.close();
  }
}
