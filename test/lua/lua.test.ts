/**
 * `imp lua` and the dissector it generates. The tshark tests run the generated script with
 * tshark 4.0 (`-X lua_script:`) and compare it with impkit on the bundled captures and on a
 * capture of fuzzed datagrams: every imp.* field of every frame (names and values from
 * `-T json`), the expert items (every id, so also which frames are malformed), the display
 * strings (`showname` from `-T pdml`) and the Info column. tshark missing: skipped outside CI,
 * a failure in CI.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readImpDatagrams } from "../../dissector/imp-frames.js";
import { generateLua, personalPluginsDir } from "../../dissector/lua/index.js";
import { summaryInfo } from "../../dissector/summary/summary-line.js";
import { buildTree } from "../../dissector/tree/index.js";
import { encode } from "../../src/codec/index.js";
import { FIELDS_BY_ABBREV, PROBLEMS } from "../../src/protocol/index.js";
import { packageRoot } from "../../src/paths.js";
import {
  compareFrames,
  everyLayout,
  type FrameFields,
  generateScript,
  imp,
  impkitJsonForCapture,
  impkitShownames,
  mutations,
  needTools,
  pdmlShownames,
  runTshark,
  tempDir,
  tsharkJsonFrames,
  vectorPayloads,
  writeDatagrams,
} from "./helpers.js";

const JSON_ARGS = ["-T", "json", "-J", "imp", "--no-duplicate-keys"];

/**
 * Wireshark 4.0 cuts labels at 240 bytes and puts " [truncated]" in front of what is left: such
 * a label must be the start of impkit's (its last character may be cut).
 */
function sameShowname(ours: string | undefined, theirs: string | undefined): boolean {
  if (ours === theirs) return true;
  if (ours === undefined || theirs === undefined || !theirs.includes(" [truncated]")) return false;
  const kept = theirs.replace(" [truncated]", "");
  return Buffer.byteLength(kept) > 200 && (ours.startsWith(kept) || ours.startsWith(kept.slice(0, -1)));
}
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe("imp lua", () => {
  it("writes the generated dissector to stdout", async () => {
    const r = await imp("lua");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toBe(generateLua());
    expect(r.out).toMatch(/^-- Wireshark dissector for IMP/);
  });

  it("writes it to a file with -o", async () => {
    const path = tmp.path("out.lua");
    const r = await imp("lua", "-o", path);
    expect(r.code).toBe(0);
    expect(r.out).toBe("");
    expect(readFileSync(path, "utf8")).toBe(generateLua());
  });

  it("--install creates the plugins folder, writes imp.lua and says where", async () => {
    const dir = tmp.path("cfg/wireshark/plugins");
    const r = await imp("lua", "--install", "--plugins-dir", dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain(join(dir, "imp.lua"));
    expect(readFileSync(join(dir, "imp.lua"), "utf8")).toBe(generateLua());
  });

  it("--install goes to $XDG_CONFIG_HOME/wireshark/plugins by default", async () => {
    const saved = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = tmp.path("xdg");
    try {
      const r = await imp("lua", "--install");
      expect(r.code).toBe(0);
      const path = join(tmp.path("xdg"), "wireshark", "plugins", "imp.lua");
      expect(r.out).toContain(path);
      expect(existsSync(path)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = saved;
    }
  });

  it("rejects conflicting options and unwritable paths with exit 2", async () => {
    const both = await imp("lua", "--install", "-o", tmp.path("x.lua"));
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/either --install or -o/);
    const dirOnly = await imp("lua", "--plugins-dir", tmp.path("p"));
    expect(dirOnly.code).toBe(2);
    const bad = await imp("lua", "-o", tmp.path("no/such/dir/imp.lua"));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^imp: cannot write .*no\/such\/dir\/imp\.lua \(ENOENT/);
  });

  it("knows the personal plugins folder of each system", () => {
    expect(personalPluginsDir({}, "linux", "/home/u")).toBe("/home/u/.config/wireshark/plugins");
    expect(personalPluginsDir({ XDG_CONFIG_HOME: "/x" }, "linux", "/home/u")).toBe("/x/wireshark/plugins");
    expect(personalPluginsDir({}, "darwin", "/Users/u")).toBe("/Users/u/.config/wireshark/plugins");
    expect(personalPluginsDir({ APPDATA: "C:\\Users\\u\\AppData\\Roaming" }, "win32", "C:\\Users\\u")).toBe(
      "C:\\Users\\u\\AppData\\Roaming\\Wireshark\\plugins",
    );
    expect(personalPluginsDir({}, "win32", "C:\\Users\\u")).toBe("C:\\Users\\u\\AppData\\Roaming\\Wireshark\\plugins");
  });
});

describe("the generated script", () => {
  const lua = generateLua();

  it("declares every field and every problem of the table, from the table", () => {
    for (const abbrev of FIELDS_BY_ABBREV.keys()) expect(lua).toContain(`abbrev = "${abbrev}"`);
    for (const p of Object.values(PROBLEMS)) expect(lua).toContain(`id = "${p.id}"`);
    // The hand-written interpreter names no field and no message.
    const runtime = lua.slice(lua.indexOf("-- Generic interpreter of SPEC"));
    for (const abbrev of FIELDS_BY_ABBREV.keys()) {
      expect(runtime).not.toContain(`"${abbrev}"`);
    }
    expect(runtime).not.toMatch(/Connection Request|Data Message|Public Group/);
  });

  it("is not committed by hand anywhere, or is what the generator writes", () => {
    const files = spawnSync("git", ["ls-files", "*.lua"], { cwd: packageRoot(), encoding: "utf8" }).stdout.split("\n").filter(Boolean);
    for (const f of files) {
      const text = readFileSync(join(packageRoot(), f), "utf8");
      if (text.includes("Generated by `imp lua`")) expect(text, `${f} drifted from \`imp lua\``).toBe(lua);
    }
  });
});

// tshark runs take seconds each; a loaded CI machine gets room beyond the default 30 s.
describe("tshark with the generated script", { timeout: 120_000 }, () => {
  let script = "";
  let fuzz = "";
  let fuzzPayloads: Uint8Array[] = [];
  beforeAll(async () => {
    script = await generateScript(tmp.dir);
    const bases = [...vectorPayloads(), ...everyLayout()];
    // Last, so that frame n is datagram n before them: Data Messages larger than the MTU, as
    // IPv4 fragments that both sides reassemble (one of them with a Data Length that lies).
    const big = [
      encode({ type: 5, src: 1, group: 1, seq: 1, data: "é".repeat(2500) }),
      encode({ type: 5, src: 2, group: 3, data: "z".repeat(4000) }, { data_len: 3999 }),
    ];
    // Info cuts text at 59 UTF-16 units: characters beyond U+FFFF count twice.
    big.push(
      encode({ type: 5, src: 1, group: 1, data: `a${"😀".repeat(40)}` }),
      encode({ type: 5, src: 1, group: 1, data: `${"😀".repeat(20)}${"b".repeat(30)}` }),
    );
    fuzzPayloads = [...bases, ...mutations(bases, 3000, 20261124), ...big];
    fuzz = tmp.path("fuzz.pcapng");
    await writeDatagrams(fuzz, fuzzPayloads, undefined, undefined, 1500);
  });

  it("loads without a Lua error and registers the table's fields", (ctx) => {
    needTools(ctx, ["tshark"]);
    const run = runTshark(script, join(packageRoot(), "captures", "demo.pcapng"), ["-c", "5"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("IMP");
    const g = spawnSync("tshark", ["-G", "fields", "-X", `lua_script:${script}`], { encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
    expect(g.status).toBe(0);
    const rows = new Map(
      g.stdout
        .split("\n")
        .map((l) => l.split("\t"))
        .filter((c) => c[0] === "F" && c[4] === "imp")
        .map((c) => [c[2]!, c]),
    );
    for (const [abbrev, f] of FIELDS_BY_ABBREV) {
      const row = rows.get(abbrev);
      expect(row, abbrev).toBeDefined();
      // A list of one-byte members is registered as its members (a uint field of the list's name).
      const members = f.kind === "list" && f.size === 1;
      const type = members
        ? "FT_UINT8"
        : { uint: f.size === 2 ? "FT_UINT16" : "FT_UINT8", username: "FT_STRING", text: "FT_STRING", ipv4: "FT_IPv4", list: "FT_NONE" }[
            f.kind
          ];
      expect([type, "FT_BOOLEAN"], abbrev).toContain(row![3]);
      expect(row![6], abbrev).toBe(`0x${f.mask.toString(16)}`);
      expect(row![7], abbrev).toBe(f.blurb);
      if (!members) expect(row![1], abbrev).toBe(f.label);
    }
    for (const p of Object.values(PROBLEMS)) expect(rows.get(p.id)?.[1], p.id).toBe(p.summary);
  });

  const captures = readdirSync(join(packageRoot(), "captures"))
    .filter((f) => /\.pcapng?$/.test(f))
    .sort();
  for (const name of captures) {
    it(`agrees with imp on every imp.* field and expert item of ${name}`, async (ctx) => {
      needTools(ctx, ["tshark"]);
      const file = join(packageRoot(), "captures", name);
      const run = runTshark(script, file, JSON_ARGS);
      expect(run.stderr).toBe("");
      const diffs = compareFrames(await impkitJsonForCapture(file), tsharkJsonFrames(run.stdout));
      expect(diffs).toEqual([]);
    });
  }

  it("agrees with imp on every field and expert item of fuzzed datagrams", async (ctx) => {
    needTools(ctx, ["tshark"]);
    const run = runTshark(script, fuzz, JSON_ARGS);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const theirs = tsharkJsonFrames(run.stdout);
    const ours = await impkitJsonForCapture(fuzz);
    // tshark 4.0's UDP dissector hands no empty payload to any subdissector: a 0-byte datagram
    // has no IMP layer in tshark (impkit: Datagram shorter than the 5-byte header).
    const empty = fuzzPayloads.flatMap((p, i) => (p.length === 0 ? [i + 1] : []));
    expect(empty.length).toBeGreaterThan(0);
    for (const frame of empty) {
      expect(theirs.has(frame)).toBe(false);
      expect(ours.get(frame)?.experts).toEqual(["imp.malformed.short: Datagram of 0 bytes is shorter than the 5-byte header"]);
      ours.delete(frame);
    }
    expect(ours.size).toBe(fuzzPayloads.length - empty.length);
    const malformed = [...ours.values()].filter((f) => f.malformed).length;
    expect(malformed).toBeGreaterThan(500); // the mutations do break length rules
    expect(ours.size - malformed).toBeGreaterThan(500);
    expect(compareFrames(ours, theirs)).toEqual([]);
  });

  it("shows the same display strings (showname) and Info column as imp", async (ctx) => {
    needTools(ctx, ["tshark"]);
    for (const file of [fuzz, join(packageRoot(), "captures", "demo.pcapng")]) {
      const pdml = runTshark(script, file, ["-T", "pdml"]);
      expect(pdml.stderr).toBe("");
      expect(pdml.stdout).not.toMatch(/Lua Error/);
      const theirs = pdmlShownames(pdml.stdout);
      const cols = runTshark(script, file, ["-T", "fields", "-e", "frame.number", "-e", "_ws.col.Info"]);
      const info = new Map(
        cols.stdout
          .split("\n")
          .filter(Boolean)
          .map((l) => [Number(l.slice(0, l.indexOf("\t"))), l.slice(l.indexOf("\t") + 1)]),
      );
      const diffs: string[] = [];
      let frames = 0;
      await readImpDatagrams(file, (d) => {
        if (d.payload.length === 0) return;
        frames++;
        const ours = impkitShownames(buildTree(d.decoded, d.payload));
        const lines = theirs.get(d.frame) ?? [];
        for (let i = 0; i < Math.max(ours.length, lines.length); i++) {
          if (!sameShowname(ours[i], lines[i])) {
            diffs.push(`frame ${d.frame}: impkit ${JSON.stringify(ours[i])}, tshark ${JSON.stringify(lines[i])}`);
            break;
          }
        }
        const want = summaryInfo(d.decoded);
        if (info.get(d.frame) !== want)
          diffs.push(`frame ${d.frame}: Info: impkit ${JSON.stringify(want)}, tshark ${JSON.stringify(info.get(d.frame))}`);
      });
      expect(frames).toBeGreaterThan(50);
      expect(diffs).toEqual([]);
    }
  });

  it("answers display filters on imp.* fields the way impkit's values say", async (ctx) => {
    needTools(ctx, ["tshark"]);
    const ours = await impkitJsonForCapture(fuzz);
    const has = (f: Record<string, unknown>, k: string, v: unknown) => {
      const x = f[k];
      return Array.isArray(x) ? x.includes(v) : x === v;
    };
    const entries = (f: Record<string, unknown>) => (f["imp.entry"] as Record<string, unknown>[] | undefined) ?? [];
    const cases: [string, (f: FrameFields) => boolean][] = [
      ["imp.invitees == 3", (f) => has(f.fields, "imp.invitees", 3)],
      ["imp.ack == 1", (f) => f.fields["imp.ack"] === 1],
      ["imp.type == 5 && imp.data", (f) => f.fields["imp.type"] === 5 && "imp.data" in f.fields],
      ["imp.entry.client_id == 2", (f) => entries(f.fields).some((e) => e["imp.entry.client_id"] === 2)],
      ['imp.username == "alice"', (f) => f.fields["imp.username"] === "alice"],
      ["imp.mode == 1", (f) => f.fields["imp.mode"] === 1],
      ["imp.malformed.hlen_type", (f) => f.experts.some((e) => e.startsWith("imp.malformed.hlen_type:"))],
    ];
    for (const [filter, pred] of cases) {
      const run = runTshark(script, fuzz, ["-Y", filter, "-T", "fields", "-e", "frame.number"]);
      expect(run.stderr, filter).toBe("");
      const theirs = run.stdout.split("\n").filter(Boolean).map(Number);
      const want = [...ours].filter(([, f]) => pred(f)).map(([n]) => n);
      expect(want.length, filter).toBeGreaterThan(0);
      expect(theirs, filter).toEqual(want);
    }
  });

  describe("ports", () => {
    let onPort4000 = "";
    beforeAll(async () => {
      onPort4000 = tmp.path("port4000.pcapng");
      const mixed = [...everyLayout(), ...mutations(everyLayout(), 300, 7).filter((p) => p.length > 0)];
      await writeDatagrams(onPort4000, mixed, 4000, 47000);
    });

    it("decodes another port given as the imp.port preference", async (ctx) => {
      needTools(ctx, ["tshark"]);
      const run = runTshark(script, onPort4000, ["-o", "imp.port:4000", ...JSON_ARGS]);
      expect(run.stderr).toBe("");
      const theirs = tsharkJsonFrames(run.stdout);
      const ours = await impkitJsonForCapture(onPort4000, ["--port", "4000", "--no-heuristic"]);
      expect([...ours.values()].some((f) => f.malformed)).toBe(true);
      expect(theirs.size).toBe(ours.size);
      expect(compareFrames(ours, theirs)).toEqual([]);
    });

    it("finds IMP on other ports with the heuristic, by impkit's rule", async (ctx) => {
      needTools(ctx, ["tshark"]);
      // UDP 4000 belongs to ICQ in Wireshark: ask for heuristics before ports.
      const run = runTshark(script, onPort4000, ["-o", "udp.try_heuristic_first:TRUE", ...JSON_ARGS]);
      expect(run.stderr).toBe("");
      const theirs = tsharkJsonFrames(run.stdout);
      const ours = await impkitJsonForCapture(onPort4000);
      expect(ours.size).toBeGreaterThan(everyLayout().length);
      expect([...ours.values()].some((f) => f.malformed)).toBe(false);
      expect(compareFrames(ours, theirs)).toEqual([]);
      // On a port nobody claims, no preference is needed.
      const free = tmp.path("port47001.pcapng");
      await writeDatagrams(
        free,
        [encode({ type: 5, src: 1, group: 1, seq: 1, data: "hi" }), Buffer.from("ffffffffffff", "hex")],
        47001,
        47002,
      );
      const plain = tsharkJsonFrames(runTshark(script, free, JSON_ARGS).stdout);
      expect([...plain.keys()]).toEqual([1]);
      expect(plain.get(1)?.fields["imp.data"]).toBe("hi");
    });
  });
});
