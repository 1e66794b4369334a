import { defineConfig } from "vitest/config";
import { SkipsFailInCi } from "./test/reporters/skips-fail-in-ci.js";

/**
 * `npm run test:security`: the attacks of issue 18 at full size (test/security/*.attack.ts, about
 * 2 minutes; real sockets on 127.0.0.0/8, python3 for the junk flooder). Their short versions run
 * in npm test (test/server/bounds.test.ts, test/security/security.test.ts).
 */
export default defineConfig({
  test: {
    include: ["test/security/**/*.attack.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: "forks",
    // One attack at a time: each measures the server alone on a 2-core machine.
    fileParallelism: false,
    // Lists skipped tests; with CI=true a skipped test fails the run.
    reporters: ["default", new SkipsFailInCi()],
  },
});
