/**
 * `imp sniff`: the same output as `imp read` on the file it wrote, -w readable by impkit and
 * tshark, -c / -a / SIGINT, -D, and the one-sentence errors with exit 2 (no libpcap, no
 * permission, bad capture filter, unknown interface, unwritable file).
 */
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { readCapture } from "../../dissector/capture/index.js";
import { missingCap, NO_LIBPCAP_MESSAGE, type CapLoader } from "../../dissector/live/index.js";
import { CliError } from "../../src/cli/errors.js";
import { bufferIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";
import { sniffCommand } from "../../src/cli/commands/sniff.js";
import { encode } from "../../src/codec/index.js";
import { findScenario, runScenario } from "../../src/scenario/index.js";
import { skipOrFail } from "../needs.js";
import { canRunAsNobody, delay, fakeCap, freePort, needLive, reservePort, sendUdp, tempDir, tsharkCount, until } from "./helpers.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function imp(...argv: string[]) {
  const io = bufferIo();
  const code = await runCli(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** Runs `imp sniff ARGV` with another cap loader, mapping errors as runCli does. */
async function sniffWith(loader: CapLoader, ...argv: string[]) {
  const io = bufferIo();
  const program = new Command("imp")
    .exitOverride()
    .addCommand(sniffCommand(io, { loader }).exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err }));
  try {
    await program.parseAsync(["sniff", ...argv], { from: "user" });
    return { code: io.exitCode, out: io.stdout(), err: io.stderr() };
  } catch (e) {
    if (e instanceof CliError) return { code: e.exitCode, out: io.stdout(), err: `${io.stderr()}imp: ${e.message}\n` };
    throw e;
  }
}

/** Starts `imp sniff ARGV` in this process; resolves `ready` once it is capturing. */
function startSniff(...argv: string[]) {
  const io = bufferIo();
  const done = runCli(["sniff", ...argv], io);
  const ready = until(() => io.stderr().includes("Capturing on"), 5000);
  return { io, done, ready };
}

const dataMessages = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => encode({ type: 5, seq: i & 1, src: 2, group: 1, data: `${tag} ${i}` }));

describe("imp sniff without libpcap or permission", () => {
  it("no cap: one sentence on installing libpcap, exit 2 (capture and -D)", async () => {
    for (const argv of [["-i", "lo"], ["-D"]]) {
      const r = await sniffWith(missingCap, ...argv);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`imp: ${NO_LIBPCAP_MESSAGE}\n`);
      expect(r.out).toBe("");
    }
  });

  it("no cap, for real: require('cap') failing in a fresh process gives the sentence and exit 2", () => {
    const preload = tmp.path("no-cap.cjs");
    writeFileSync(
      preload,
      `const Module = require("module"); const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === "cap") { const e = new Error("Cannot find module 'cap'"); e.code = "MODULE_NOT_FOUND"; throw e; }
  return resolve.call(this, request, ...rest);
};`,
    );
    const r = spawnSync(process.execPath, ["--require", preload, "--import", "tsx", "src/cli/main.ts", "sniff", "-i", "lo", "-c", "1"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(r.stderr).toBe(`imp: ${NO_LIBPCAP_MESSAGE}\n`);
    expect(r.status).toBe(2);
  });

  it("no permission (injected): the sentence on root or CAP_NET_RAW, exit 2", async () => {
    const r = await sniffWith(fakeCap({ openError: "socket: Operation not permitted" }).loader, "-i", "lo");
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "imp: capturing on lo needs root or CAP_NET_RAW: run as root, or sudo setcap cap_net_raw,cap_net_admin=eip $(readlink -f $(which node))\n",
    );
  });

  it("no permission, for real: run as nobody", async (ctx) => {
    await needLive(ctx);
    skipOrFail(ctx, canRunAsNobody() ? null : "runuser -u nobody is not available");
    const r = spawnSync(
      "runuser",
      ["-u", "nobody", "--", process.execPath, "--import", "tsx", "src/cli/main.ts", "sniff", "-i", "lo", "-c", "1"],
      {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 20_000,
      },
    );
    expect(r.stderr).toBe(
      "imp: capturing on lo needs root or CAP_NET_RAW: run as root, or sudo setcap cap_net_raw,cap_net_admin=eip $(readlink -f $(which node))\n",
    );
    expect(r.status).toBe(2);
  });

  it("checks imp read's options and its own before opening anything", async () => {
    const cap = fakeCap();
    for (const [argv, message] of [
      [["-T", "fields"], "imp: -T fields needs at least one -e FIELD\n"],
      [["-e", "imp.src"], "imp: -e only applies with -T fields\n"],
      [["-T", "fields", "-e", "imp.nope"], "imp: -e imp.nope: no such field"],
      [["-a", "packets:x"], "imp: -a packets:x: expected packets:N (a whole number) or duration:SECONDS\n"],
      [["-Y", "imp.src =="], "imp: invalid display filter (-Y)"],
    ] as const) {
      const r = await sniffWith(cap.loader, ...argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err).toContain(message);
    }
    expect(cap.opened).toBeNull();
  });

  it("has imp read's output options", async () => {
    const r = await imp("sniff", "--help");
    for (const flag of [
      "-Y, --display-filter",
      "-c, --count",
      "-T, --output-format",
      "-V, --verbose",
      "-x, --hex",
      "-e, --field",
      "-E, --fields-option",
      "-N, --names",
      "--port",
      "--no-heuristic",
      "--no-analysis",
      "-D, --list-interfaces",
      "-i, --interface",
      "-f, --capture-filter",
      "-w, --write",
    ]) {
      expect(r.out).toContain(flag);
    }
  });
});

describe("imp sniff on the loopback (root)", () => {
  it("-D lists lo with its addresses", async (ctx) => {
    await needLive(ctx);
    const r = await imp("sniff", "-D");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\d+\. lo \(Loopback\): 127\.0\.0\.1/m);
    expect(r.out).toMatch(/^\d+\. any \(/m);
  });

  it("prints what imp read prints for the file it wrote, stops after -c N, and the file has the same packets for tshark", async (ctx) => {
    await needLive(ctx);
    const port = await freePort();
    const file = tmp.path("scenario.pcapng");
    const s = startSniff("-i", "lo", "-f", `udp port ${port}`, "--port", String(port), "-c", "12", "-w", file, "-P");
    expect(await s.ready).toBe(true);
    const scenario = runScenario(findScenario("centralized-messaging")!, { port, rto: 60, inviteTimeoutMs: 300 });
    const code = await Promise.race([s.done, delay(10_000).then(() => -1)]);
    await scenario;
    expect(code).toBe(0);
    expect(s.io.stderr()).toMatch(/12 packets captured\n$/);
    const lines = s.io
      .stdout()
      .split("\n")
      .filter((l) => l.length > 0);
    expect(lines).toHaveLength(12);
    const read = await imp("read", file, "--port", String(port));
    expect(read.code).toBe(0);
    expect(s.io.stdout()).toBe(read.out);
    let packets = 0;
    await readCapture(file, () => packets++);
    expect(packets).toBe(12);
    const count = tsharkCount(file);
    if (count !== null) expect(count).toBe(12);
  });

  it("-Y, -T json and -T fields give what imp read gives on the same file", async (ctx) => {
    await needLive(ctx);
    for (const output of [
      ["-T", "json"],
      ["-T", "fields", "-e", "frame.number", "-e", "imp.type", "-e", "imp.data"],
      ["-V", "-x"],
    ]) {
      const port = await freePort();
      const file = tmp.path(`filtered-${output[1]}.pcapng`);
      const filter = ["-Y", 'imp.type == "Data Message" && imp.ack == 0'];
      // -c counts packets captured (as tshark's): the scenario's first Data Message is its 25th datagram.
      const s = startSniff("-f", `udp port ${port}`, "--port", String(port), "-c", "30", "-w", file, "-P", ...filter, ...output);
      expect(await s.ready).toBe(true);
      const scenario = runScenario(findScenario("centralized-messaging")!, { port, rto: 60, inviteTimeoutMs: 300 });
      const code = await Promise.race([s.done, delay(10_000).then(() => -1)]);
      await scenario;
      expect(code, s.io.stderr()).toBe(0);
      const read = await imp("read", file, "--port", String(port), ...filter, ...output);
      expect(read.code).toBe(0);
      expect(read.out.length).toBeGreaterThan(0);
      expect(s.io.stdout()).toBe(read.out);
    }
  });

  it.for([
    ["SIGINT", "pcapng"],
    ["SIGTERM", "pcap"],
  ] as const)("%s stops the capture: N packets captured, the -w file (%s) complete, and readable before", async ([signal, format], ctx) => {
    await needLive(ctx);
    const { port, release } = await reservePort();
    onTestFinished(release);
    const file = tmp.path(`${signal}.${format}`);
    const argv = ["--import", "tsx", "src/cli/main.ts", "sniff", "-i", "lo", "-f", `udp port ${port}`, "-w", file, "-F", format];
    const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    try {
      expect(await until(() => err.includes("Capturing on"), 15_000)).toBe(true);
      await sendUdp(port, dataMessages(5, "sigint"));
      await delay(500);
      let before = 0;
      await readCapture(file, () => before++);
      expect(before).toBe(5);
      await sendUdp(port, dataMessages(2, "late"));
      await delay(100);
    } finally {
      child.kill(signal);
    }
    expect(await Promise.race([exited, delay(10_000).then(() => "timeout")])).toBe(0);
    expect(out).toBe("");
    expect(err).toMatch(/\n7 packets captured\n$/);
    let after = 0;
    const summary = await readCapture(file, () => after++);
    expect(after).toBe(7);
    expect(summary.format).toBe(format);
    const count = tsharkCount(file);
    if (count !== null) expect(count).toBe(7);
  });

  it("-a packets:N counts every captured packet, IMP or not", async (ctx) => {
    await needLive(ctx);
    const { port, release } = await reservePort();
    onTestFinished(release);
    // Not on an IMP port: the heuristic shows the Data Messages, not the 1-byte datagrams.
    const s = startSniff("-f", `udp port ${port}`, "-a", "packets:4");
    expect(await s.ready).toBe(true);
    await sendUdp(port, [new Uint8Array([1]), new Uint8Array([2]), ...dataMessages(4, "x")]);
    expect(await Promise.race([s.done, delay(5000).then(() => -1)])).toBe(0);
    expect(s.io.stderr()).toMatch(/4 packets captured\n$/);
    expect(
      s.io
        .stdout()
        .split("\n")
        .filter((l) => l.length > 0),
      s.io.stdout(),
    ).toHaveLength(2);
  });

  it("-a duration:S stops by itself", async (ctx) => {
    await needLive(ctx);
    const { port, release } = await reservePort();
    onTestFinished(release);
    const started = Date.now();
    const r = await imp("sniff", "-f", `udp port ${port}`, "-a", "duration:0.3");
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.err).toMatch(/0 packets captured\n$/);
  });

  it.for([
    [["-f", "udp port"], 'imp: invalid capture filter "udp port": '],
    [["-i", "nosuch0"], 'imp: no interface named "nosuch0": run imp sniff -D to list the interfaces'],
    [["-w", "/nonexistent-dir/x.pcapng"], "imp: cannot write /nonexistent-dir/x.pcapng: no such directory\n"],
  ] as const)("%j: one sentence, exit 2", async ([argv, message], ctx) => {
    await needLive(ctx);
    const r = await imp("sniff", ...argv, "-a", "duration:0.1");
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err.trim().split("\n")).toHaveLength(1);
  });
});
