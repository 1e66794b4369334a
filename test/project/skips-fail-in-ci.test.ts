/**
 * The reporter of test/reporters/skips-fail-in-ci.ts, wired in vitest.config.ts: a child vitest
 * runs the project's config on test/fixtures/skips/skips.fixture.ts (a passing test, it.skip,
 * it.todo, ctx.skip with a reason, describe.skipIf), with and without CI=true.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import reliabilityConfig from "../../vitest.reliability.config.js";
import { SkipsFailInCi } from "../reporters/skips-fail-in-ci.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const VITEST = fileURLToPath(new URL("../../node_modules/vitest/vitest.mjs", import.meta.url));

function runFixture(ci: boolean): { status: number | null; output: string } {
  const env: NodeJS.ProcessEnv = {};
  // The child is a vitest of its own: none of this worker's VITEST_* variables, and CI as asked.
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("VITEST") && k !== "CI" && k !== "NODE_ENV") env[k] = v;
  if (ci) env.CI = "true";
  env.NO_COLOR = "1";
  const r = spawnSync(process.execPath, [VITEST, "run", "--config", "test/fixtures/skips/vitest.config.ts", "--root", "."], {
    cwd: ROOT,
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

const LISTED = [
  "test/fixtures/skips/skips.fixture.ts > is skipped with it.skip (skip)",
  "test/fixtures/skips/skips.fixture.ts > is a todo (todo)",
  "test/fixtures/skips/skips.fixture.ts > skips itself when a tool is missing (frobnicate is not installed)",
  "test/fixtures/skips/skips.fixture.ts > a suite skipped by skipIf > never runs (skip)",
];

describe("a skipped test is a failure in CI", () => {
  it("with CI=true: exit code 1, every skipped and todo test listed by name with its reason", { timeout: 90_000 }, () => {
    const r = runFixture(true);
    expect(r.output).toContain("CI=true: 4 test(s) did not run, and in CI a test that does not run is a failure:");
    for (const line of LISTED) expect(r.output).toContain(`  ${line}\n`);
    expect(r.output).not.toContain("runs and passes (");
    expect(r.status, r.output).toBe(1);
  });

  it("without CI: the same list, and the run passes", { timeout: 90_000 }, () => {
    const r = runFixture(false);
    expect(r.output).toContain("4 test(s) skipped (with CI=true this run would fail):");
    for (const line of LISTED) expect(r.output).toContain(`  ${line}\n`);
    expect(r.status, r.output).toBe(0);
  });

  it("is a reporter of the reliability suite's config too", () => {
    expect(reliabilityConfig.test?.reporters).toEqual(["default", expect.any(SkipsFailInCi)]);
  });
});
