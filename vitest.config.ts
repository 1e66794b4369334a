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
    // Lists skipped tests; with CI=true a skipped test fails the run.
    reporters: ["default", new SkipsFailInCi()],
  },
});
