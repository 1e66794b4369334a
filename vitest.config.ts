import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { SkipsFailInCi } from "./test/reporters/skips-fail-in-ci.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The long reliability suite has its own run: npm run test:reliability (vitest.reliability.config.ts).
    exclude: ["test/reliability/**", "**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // One fork more than the cores: most files wait on sockets, timers and child processes (tshark,
    // the CLI, fuzz targets), so a third fork on a 2-core machine fills the cores (vitest's default
    // is cores - 1: one fork, the files one after another).
    poolOptions: { forks: { maxForks: availableParallelism() + 1, minForks: 1 } },
    // Lists skipped tests; with CI=true a skipped test fails the run.
    reporters: ["default", new SkipsFailInCi()],
  },
});
