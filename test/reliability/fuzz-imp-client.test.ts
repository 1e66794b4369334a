/**
 * `imp client` itself, as a foreign client: its CLI process (no debug channel) started by
 * `--target client --exec`, driven by the played server and by `/accept` and `/reject` on its
 * stdin, reaches every client state with no finding. A second implementation of the harness's
 * contract beside the Python fixture (test/fuzz/foreign-client.test.ts), in the reliability suite
 * because a Node start-up through tsx per restart is slow.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runCampaign } from "../../fuzz/index.js";
import { SpawnedClientTarget } from "../../fuzz/targets/spawned-client.js";
import { packageRoot } from "../../src/paths.js";

const targets: SpawnedClientTarget[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

describe("imp client under imp fuzz --target client", () => {
  it("every client state, no finding", async () => {
    const exec = `cd "${packageRoot()}" && "${process.execPath}" --import tsx src/cli/main.ts client --name impc --server 127.0.0.1:{port}`;
    const target = new SpawnedClientTarget({ exec, hangMs: 1000 });
    targets.push(target);
    await target.open();
    expect(target.clientName).toBe("impc");
    const r = await runCampaign({ target, seed: 1, cases: 150, stateful: true });
    expect(r.findings.map((f) => `${f.level}: ${f.finding.oracle}: ${f.finding.signature}`)).toEqual([]);
    expect(Object.keys(r.statesReached).sort()).toEqual(["connected", "in-private-group", "invitation-pending"]);
    expect(r.restarts).toBe(0);
  });
});
