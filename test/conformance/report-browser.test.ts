/**
 * report.html in a real browser: Debian's chromium, headless, loads a report written from a real
 * run; the DOM it built has the verdict table and a ladder SVG with its arrows, and the page
 * logged no console error. (The screenshot in docs/conformance-report.png is such a page.)
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { selectCases } from "../../fuzz/conformance/case.js";
import { writeReports } from "../../fuzz/conformance/report/write.js";
import { runServerSuite } from "../../fuzz/conformance/runner.js";
import { SERVER_CASES } from "../../fuzz/conformance/server-cases/index.js";
import { startServer } from "../../src/server/index.js";

/** Debian's chromium, found on PATH. */
const CHROMIUM = (process.env.PATH ?? "")
  .split(":")
  .map((d) => join(d, "chromium"))
  .find((p) => existsSync(p));
const dir = mkdtempSync(join(tmpdir(), "imp-report-browser-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(CHROMIUM === undefined)("report.html in headless chromium", () => {
  it("renders the verdict table and a ladder, without a console error", async () => {
    const server = await startServer({ port: 0 });
    try {
      const run = await runServerSuite({ url: `udp://127.0.0.1:${server.address.port}`, cases: selectCases(SERVER_CASES, "6.2.1,5.1.1") });
      const files = await writeReports(dir, run);
      const { stdout, stderr } = await promisify(execFile)(
        CHROMIUM!,
        [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--enable-logging=stderr",
          "--v=0",
          `--user-data-dir=${join(dir, "profile")}`,
          "--dump-dom",
          `file://${files.html}`,
        ],
        { timeout: 20_000, maxBuffer: 16 * 1024 * 1024 },
      );
      expect(stdout).toMatch(/<table class="verdicts">[\s\S]*<span class="v v-pass">Pass<\/span>/);
      expect(stdout).toMatch(/<svg [^>]*class="ladder"[\s\S]*<line [^>]*marker-end="url\(#arrow\)"/);
      expect(stdout).toContain(">ann</text>");
      expect(stderr).not.toMatch(/CONSOLE|Uncaught|ERR_FILE_NOT_FOUND/);
    } finally {
      await server.close();
    }
  }, 30_000);
});
