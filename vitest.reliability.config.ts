import { defineConfig } from "vitest/config";

/** `npm run test:reliability`: the long suite over real UDP through the proxy (test/reliability). */
export default defineConfig({
  test: {
    include: ["test/reliability/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    pool: "forks",
    poolOptions: { forks: { execArgv: ["--expose-gc"] } },
  },
});
