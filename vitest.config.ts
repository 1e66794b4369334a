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
    // Two forks a core: most files wait on sockets, timers and child processes (tshark, the CLI,
    // fuzz targets, tmux). vitest's default is cores - 1: on 2 cores one fork, the files one after
    // another (632 s quiet); 3 forks took 251 s, 4 forks 229 s.
    poolOptions: { forks: { maxForks: availableParallelism() * 2, minForks: 1 } },
    // Lists skipped tests; with CI=true a skipped test fails the run.
    reporters: ["default", new SkipsFailInCi()],
  },
});
