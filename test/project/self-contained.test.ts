/**
 * A clone has nothing beside it: no test (nor a vitest config) may read a path outside the
 * repository. `.ci/run` proves it for real by running the suite in a fresh clone; this test
 * catches it at once, on any machine, with the file and line.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findEscapes, type Escape } from "./outside-root.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
const CODE = /\.(ts|mts|cts|js|mjs|cjs)$/;

/** Every source file of test/ and the vitest configs at the root. */
function testSources(): string[] {
  const files = readdirSync(join(ROOT, "test"), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && CODE.test(d.name))
    .map((d) => join(d.parentPath, d.name));
  const configs = readdirSync(ROOT)
    .filter((n) => /^vitest(\..+)?\.config\.[cm]?[jt]s$/.test(n))
    .map((n) => join(ROOT, n));
  return [...configs, ...files].sort();
}

const show = (escapes: Escape[]) => escapes.map((e) => `${e.file}:${e.line}: "${e.literal}" ${e.why}`).join("\n");

describe("the tests read nothing outside the repository", () => {
  it("no path in test/ or a vitest config leaves the root", () => {
    const sources = testSources();
    expect(sources.length).toBeGreaterThan(80);
    expect(sources).toContain(join(ROOT, "vitest.config.ts"));
    const escapes = sources.flatMap((f) => findEscapes(ROOT, f, readFileSync(f, "utf8")));
    expect(show(escapes)).toBe("");
  });

  // The checker's own examples, checked as if they were test/some/dir.test.ts on a machine where
  // /srv/data holds files.
  const asTest = join(ROOT, "test", "some", "dir.test.ts");
  const exists = (p: string) => p.startsWith("/srv/data/");
  const example = (name: string) => readFileSync(new URL(`../fixtures/outside-root/${name}`, import.meta.url), "utf8");

  it("flags every way out: relative climbs, '..' after a computed base, /work, /tmp, shared/spec, existing absolute paths", () => {
    const escapes = findEscapes(ROOT, asTest, example("escapes.ts.txt"), { exists });
    expect(
      escapes.map((e) => e.line),
      show(escapes),
    ).toEqual([4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(escapes.find((e) => e.line === 6)!.why).toBe(
      `resolves to ${dirname(ROOT)}/${escapes.find((e) => e.line === 6)!.literal.slice(9)}, outside the repository`,
    );
    expect(escapes.find((e) => e.line === 7)!.why).toBe("climbs with '..' out of ROOT");
    expect(escapes.every((e) => e.file === "test/some/dir.test.ts")).toBe(true);
  });

  it("leaves alone temp dirs made at run time, paths inside the root, missing absolute paths, comments, regexps and excused lines", () => {
    expect(show(findEscapes(ROOT, asTest, example("fine.ts.txt"), { exists }))).toBe("");
  });
});
