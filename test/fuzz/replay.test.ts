/**
 * A finding's file is self-contained: it records its target and --exec command, so
 * `imp fuzz --replay FILE` alone starts the same kind of target and runs the case (exit 1: still
 * there); --exec overrides it (the fixed variant of the fixture: exit 0). Its pcap opens in
 * `imp read` as IMP with no extra option.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { loadCase } from "../../fuzz/index.js";
import { bufferIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";

const PY = fileURLToPath(new URL("../fixtures/targets/python/imp_server.py", import.meta.url));
const NODE = fileURLToPath(new URL("../fixtures/targets/node/crashy-server.mjs", import.meta.url));

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const VARIANTS = [
  {
    name: "Python",
    crashy: `python3 "${PY}" {port} --startup-ms 0 --crash short-hl`,
    fixed: `python3 "${PY}" {port} --startup-ms 0`,
    cases: "250",
  },
  { name: "Node", crashy: `"${process.execPath}" "${NODE}" {port}`, fixed: `"${process.execPath}" "${NODE}" {port} --fixed`, cases: "60" },
];

describe("imp fuzz --replay FILE", () => {
  for (const v of VARIANTS) {
    it(`${v.name}: the file alone reproduces (exit 1); against the fixed target, exit 0; its pcap reads as IMP`, async () => {
      const out = mkdtempSync(join(tmpdir(), "impfuzz-replay-"));
      dirs.push(out);
      const campaign = bufferIo();
      const code = await runCli(
        [
          "fuzz",
          "--target",
          "udp://127.0.0.1:0",
          "--exec",
          v.crashy,
          "--hang-ms",
          "300",
          "--seed",
          "3",
          "--cases",
          v.cases,
          "--out",
          out,
          "--quiet",
        ],
        campaign,
      );
      expect(code, campaign.stdout()).toBe(1);
      const json = readdirSync(join(out, "findings")).find((f) => /-crash\.json$/.test(f))!;
      const file = join(out, "findings", json);
      expect(loadCase(file).spec).toEqual({ target: "udp://127.0.0.1:0", exec: v.crashy });

      const alone = bufferIo();
      expect(await runCli(["fuzz", "--replay", file, "--hang-ms", "300"], alone), alone.stdout() + alone.stderr()).toBe(1);
      expect(alone.stdout()).toMatch(/^reproduced$/m);

      const fixed = bufferIo();
      expect(await runCli(["fuzz", "--replay", file, "--hang-ms", "300", "--exec", v.fixed], fixed), fixed.stdout() + fixed.stderr()).toBe(
        0,
      );
      expect(fixed.stdout()).toMatch(/^not reproduced$/m);

      const read = bufferIo();
      expect(await runCli(["read", file.replace(/\.json$/, ".pcap")], read), read.stderr()).toBe(0);
      expect(read.stdout()).toMatch(/Connection Request|User List|Disconnection|Malformed|IMP/);
    }, 60_000);
  }
});
