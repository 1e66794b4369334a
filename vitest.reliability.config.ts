import { defineConfig } from "vitest/config";
import { SkipsFailInCi } from "./test/reporters/skips-fail-in-ci.js";

/** `npm run test:reliability`: the long suite over real UDP through the proxy (test/reliability). */
export default defineConfig({
  test: {
    include: ["test/reliability/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    pool: "forks",
    poolOptions: { forks: { execArgv: ["--expose-gc"] } },
    // Lists skipped tests; with CI=true a skipped test fails the run.
    reporters: ["default", new SkipsFailInCi()],
  },
});
