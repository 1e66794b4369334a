import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// `npm ci` refuses a lock that lacks an entry for any optional dependency, even one for another
// platform. The registry reachable here does not serve some of them, so `npm install` leaves them
// out: `node scripts/complete-lockfile.mjs` puts them back. This test catches a lock that lost them.
describe("package-lock.json", () => {
  it("has an entry for every optional dependency of every locked package (npm ci accepts it)", () => {
    const lock = JSON.parse(readFileSync(new URL("../../package-lock.json", import.meta.url), "utf8")) as {
      packages: Record<string, { optionalDependencies?: Record<string, string> }>;
    };
    const missing: string[] = [];
    for (const [where, pkg] of Object.entries(lock.packages)) {
      for (const dep of Object.keys(pkg.optionalDependencies ?? {})) {
        const nested = where === "" ? `node_modules/${dep}` : `${where}/node_modules/${dep}`;
        if (!lock.packages[nested] && !lock.packages[`node_modules/${dep}`]) missing.push(`${dep} (of ${where || "impkit"})`);
      }
    }
    expect(missing, "run: node scripts/complete-lockfile.mjs").toEqual([]);
  });

  // npm writes the lock with its own key order; a lock written otherwise (by hand, or by an older
  // complete-lockfile.mjs) is rewritten by every `npm install`, which leaves a clone's tree dirty.
  it("is written as npm writes it, so that npm install leaves it unchanged", () => {
    const script = fileURLToPath(new URL("../../scripts/complete-lockfile.mjs", import.meta.url));
    const r = spawnSync(process.execPath, [script, "--check"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
