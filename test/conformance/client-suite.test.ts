/**
 * `imp test client` in a few seconds: the case list, drivers (parsing, templates, an action a
 * driver lacks makes its cases Unimplemented), a handful of cases against the Python client
 * fixture through its driver file and against the bundled client with its built-in driver, the
 * planted deviation (no retransmission) failing the case that checks it and not the others, and
 * the CLI writing its reports. The whole suite runs in test/reliability/conformance.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { selectCases } from "../../fuzz/conformance/case.js";
import { CLIENT_CASES } from "../../fuzz/conformance/client-cases/index.js";
import { runClientSuite } from "../../fuzz/conformance/client-runner.js";
import { ACTIONS, BUILTIN_DRIVER, parseDriver, renderAction } from "../../fuzz/conformance/driver.js";
import { bufferIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";

const ROOT = join(import.meta.dirname, "..", "..");
const PY = join(ROOT, "test", "fixtures", "targets", "python");
const PY_DRIVER = join(PY, "driver.json");
const python = (bug = "") => `python3 "${join(PY, "imp_client.py")}" {port} --name {name}${bug ? ` --bug ${bug}` : ""}`;
const pyDriver = parseDriver(readFileSync(PY_DRIVER, "utf8"));
const IMP_CLIENT = `"${process.execPath}" --import tsx "${join(ROOT, "src", "cli", "main.ts")}" client --name {name} --server 127.0.0.1:{port}`;
const dir = mkdtempSync(join(tmpdir(), "imp-client-suite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Exactly these cases (selectCases takes "6.2.2" as a section: 6.2.2.2 with it). */
const only = (ids: string) => CLIENT_CASES.filter((c) => ids.split(",").includes(c.id));
const verdicts = (r: { results: { id: string; verdict: string; observed: string }[] }) =>
  Object.fromEntries(r.results.map((x) => [x.id, x.verdict === "pass" ? x.verdict : `${x.verdict}: ${x.observed}`]));

describe("imp test client", () => {
  it("numbers its cases after the specification's sections, one sentence each, ids unique", () => {
    const ids = CLIENT_CASES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(30);
    for (const c of CLIENT_CASES) {
      expect(c.id).toMatch(/^[3-8](\.\d+)+$/);
      expect(c.expect).toMatch(/\.$/);
    }
    expect(selectCases(CLIENT_CASES, "6.1").map((c) => c.id)).toEqual(["6.1.1", "6.1.2.1", "6.1.2.2"]);
  });

  it("reads drivers: templates with placeholders, one-line errors for bad files", () => {
    expect(renderAction(BUILTIN_DRIVER, "create", { mode: "decentralized", invitees: [{ id: 2, name: "alice" }] })).toBe(
      "/create -d alice",
    );
    expect(
      renderAction(pyDriver, "create", {
        mode: "centralized",
        invitees: [
          { id: 2, name: "alice" },
          { id: 3, name: "bob" },
        ],
      }),
    ).toBe("/group c 2 3");
    expect(renderAction(pyDriver, "send", { text: "two  spaces {mode}" })).toBe("two  spaces {mode}");
    const noDecentral = parseDriver('{"actions": {"create": "/mk {mode} {invitees}"}, "modes": {"centralized": "c"}}');
    expect(renderAction(noDecentral, "create", { mode: "decentralized" })).toBeNull();
    expect(renderAction(noDecentral, "send", { text: "x" })).toBeNull();
    expect(() => parseDriver("{")).toThrow(/^not JSON/);
    expect(() => parseDriver('{"actions": {"fly": "/fly"}}')).toThrow('unknown action "fly" (actions: send, create, invite');
    expect(() => parseDriver('{"actions": {"send": "{txt}"}}')).toThrow('action "send": unknown placeholder {txt}');
    expect(() => parseDriver('{"actions": {"create": "/c {mode}"}}')).toThrow(/give "modes"/);
    // The JSON Schema in docs/ names the same actions and modes.
    const schema = JSON.parse(readFileSync(join(ROOT, "docs", "driver.schema.json"), "utf8"));
    expect(Object.keys(schema.properties.actions.properties)).toEqual([...ACTIONS]);
    expect(Object.keys(schema.properties.modes.properties)).toEqual(["centralized", "decentralized"]);
  });

  it("passes the Python client through its driver file; a driver without an action leaves its cases Unimplemented", async () => {
    const r = await runClientSuite({
      exec: python(),
      driver: pyDriver,
      jobs: 4,
      cases: only("5.1.1,6.2.2,6.3.5,4.7.3"),
    });
    expect(verdicts(r)).toEqual({ "4.7.3": "pass", "5.1.1": "pass", "6.2.2": "pass", "6.3.5": "pass" });
    // Every exchange recorded, the client's first Connection Request included (5.1.1 only looks at it).
    for (const x of r.results) expect(x.exchange[0]!.bytes[0]! >> 3).toBe(0);
    expect(r.results.filter((x) => x.exchange.some((d) => d.dir === "out")).map((x) => x.id)).toEqual(["4.7.3", "6.2.2", "6.3.5"]);
    const lacking = parseDriver('{"actions": {"accept": "/accept {group}"}}');
    const u = await runClientSuite({ exec: python(), driver: lacking, jobs: 2, cases: selectCases(CLIENT_CASES, "6.2.1,6.3.5") });
    expect(verdicts(u)).toEqual({
      "6.2.1": "unimplemented: the driver cannot ask the client to send",
      "6.3.5": "unimplemented: the driver cannot ask the client to leave",
    });
  }, 20_000);

  it("CLI: passes the bundled client with its built-in driver and writes the reports", async () => {
    const out = join(dir, "bundled");
    const io = bufferIo();
    const code = await runCli(["test", "client", "--exec", IMP_CLIENT, "--cases", "6.3.2", "-q", "--out", out], io);
    expect(io.stderr()).toBe("");
    expect(io.stdout()).toMatch(/^1 cases in [\d.]+ s: 1 pass\nreport: .*report\.html\n$/);
    expect(code).toBe(0);
    const json = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(json.suite).toBe("client");
    expect(json.cases.map((c: { id: string; verdict: string; pcap: string }) => [c.id, c.verdict, c.pcap])).toEqual([
      ["6.3.2", "pass", "pcaps/6.3.2.pcap"],
    ]);
    expect(readFileSync(join(out, "junit.xml"), "utf8")).toMatch(
      /<testsuites name="imp test client [^"]*client --name \{name\}[^"]*" tests="1" failures="0"/,
    );
    expect(readFileSync(join(out, "report.html"), "utf8")).toMatch(
      /<h1>IMP client conformance: [\s\S]*<svg[^>]*>[\s\S]*Group Creation Request/,
    );
  }, 20_000);

  it("CLI: a planted deviation (no retransmission) fails the case that checks it, not the others; exit 1", async () => {
    const io = bufferIo();
    const code = await runCli(
      ["test", "client", "--exec", python("no-retransmit"), "--driver", PY_DRIVER, "--cases", "3.2.1,4.3.1,6.2.1", "-q"],
      io,
    );
    expect(code).toBe(1);
    expect(io.stdout()).toMatch(
      /^3 cases in [\d.]+ s: 2 pass, 1 fail\n {2}3\.2\.1 Fail: Retransmission timer: no retransmission within \d+ ms\n$/,
    );
  }, 20_000);
});
