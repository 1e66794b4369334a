/**
 * The options reach the library in the library's units (the CLI parses every duration to
 * milliseconds; the analysis counts in seconds, the server and client in milliseconds), and host
 * names work wherever an address is taken (real sockets on 127.0.0.1).
 */
import { Readable } from "node:stream";
import { Command } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import { proxyCommand, readOptionsOf, type ProxyCommandOptions } from "../../src/cli/commands/proxy.js";
import { readCommand, readOptionsFrom, type ReadOutputFlags } from "../../src/cli/commands/read.js";
import { serverCommand } from "../../src/cli/commands/server.js";
import { fuzzCommand } from "../../src/cli/commands/fuzz.js";
import { bufferIo, type CliIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";
import { startServer, type ImpServer } from "../../src/server/index.js";
import { bundled, imp, lines, tempDir } from "../read/helpers.js";
import { until } from "../server/helpers.js";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** The options a command's action receives for `argv` (its action replaced; hooks still run). */
async function parsed<T>(make: (io: CliIo) => Command, argv: string[]): Promise<T> {
  const cmd = make(bufferIo()).exitOverride();
  let seen: T | undefined;
  cmd.action((...args: unknown[]) => {
    seen = args[args.length - 2] as T;
  });
  await cmd.parseAsync(argv, { from: "user" });
  return seen!;
}

describe("durations reach the analysis in seconds", () => {
  it("imp read --rto 500 is an analysis RTO of 0.5 s; the defaults are WIRE.md's", async () => {
    const analysis = async (...argv: string[]) => readOptionsFrom(await parsed<ReadOutputFlags>(readCommand, argv), "auto").analysis;
    // A one-pass read forgets analysis state idle for a minute of capture time (--state-window).
    expect(await analysis("--rto", "500")).toEqual({ rto: 0.5, retries: 5, invitationTimeout: 15, stateWindow: 60 });
    expect(await analysis()).toEqual({ rto: 0.5, retries: 5, invitationTimeout: 15, stateWindow: 60 });
    expect(await analysis("--rto", "0.75s", "--retries", "3", "--invite-timeout", "2m", "--state-window", "5s")).toEqual({
      rto: 0.75,
      retries: 3,
      invitationTimeout: 120,
      stateWindow: 5,
    });
    expect(await analysis("--invite-timeout", "1500ms")).toMatchObject({ invitationTimeout: 1.5 });
  });

  it("imp proxy takes imp read's timers, in the same units", async () => {
    const opts = await parsed<ProxyCommandOptions>(proxyCommand, ["--rto", "250", "--invite-timeout", "20"]);
    expect(readOptionsOf(opts).analysis).toEqual({ rto: 0.25, retries: 5, invitationTimeout: 20, stateWindow: 60 });
  });

  it("imp read: the invitation time-out the analysis reports is the one given, in any spelling", async () => {
    const file = bundled("invitation-timeout.pcapng"); // the invitee acknowledges at 0.30 s, the server gives up at 15.32 s
    const timedOut = async (...argv: string[]) => {
      const r = await imp(
        "read",
        file,
        ...argv,
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "imp.analysis.invitation_timeout",
        "-Y",
        "imp.analysis.invitation_timeout",
      );
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      return lines(r.out);
    };
    expect(await timedOut()).toEqual(["41\t15"]);
    expect(await timedOut("--invite-timeout", "15")).toEqual(["41\t15"]);
    expect(await timedOut("--invite-timeout", "15000ms")).toEqual(["41\t15"]);
    expect(await timedOut("--invite-timeout", "20")).toEqual([]); // answered (by the server's reject) before 20 s
  });
});

describe("durations reach the server in milliseconds", () => {
  it("imp scenario --invite-timeout 300ms: the server gives up after 0.3 s, as the analysis then reads it", async () => {
    const tmp = tempDir("imp-units-");
    cleanup.push(tmp.cleanup);
    const file = tmp.path("t.pcapng");
    const run = await imp("scenario", "invitation-timeout", "--port", "0", "--rto", "50", "--invite-timeout", "300ms", "-w", file);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    const r = await imp(
      "read",
      file,
      "--invite-timeout",
      "0.3s",
      "-T",
      "fields",
      "-e",
      "imp.analysis.invitation_timeout",
      "-Y",
      "imp.analysis.invitation_timeout",
    );
    expect(lines(r.out)).toEqual(["0.300000000"]);
    // With the default 15 s assumed, the reject at about 0.3 s is no time-out at all.
    expect(lines((await imp("read", file, "-Y", "imp.analysis.invitation_timeout")).out)).toEqual([]);
  }, 20_000);
});

describe("host names are taken alike everywhere", () => {
  it("imp server --host localhost listens on 127.0.0.1 (a real socket)", async () => {
    const io = bufferIo();
    let stop!: (signal: string) => void;
    let server: ImpServer | undefined;
    const program = new Command("imp")
      .exitOverride()
      .addCommand(serverCommand(io, { stop: () => new Promise((r) => (stop = r)), started: (s) => (server = s) }).exitOverride());
    const done = program.parseAsync(["server", "--host", "localhost", "--port", "0", "--rto", "50", "--log", "json"], { from: "user" });
    await until(() => server !== undefined, "the server to listen");
    expect(server!.address.ip).toBe("127.0.0.1");
    // A client reaches it by name too.
    const client = bufferIo();
    client.stdin = Readable.from(["/quit\n"]);
    expect(await runCli(["client", "--name", "alice", "--server", `localhost:${server!.address.port}`, "--rto", "50"], client)).toBe(0);
    expect(client.stdout()).toContain(`* connected to 127.0.0.1:${server!.address.port} as alice`);
    stop("SIGTERM");
    await done;
    const events = io
      .stdout()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { event: string; ip?: string });
    expect(events[0]).toMatchObject({ event: "listening", ip: "127.0.0.1" });
    expect(events.some((e) => e.event === "connected" && e.ip === "127.0.0.1")).toBe(true);
  });

  it("imp proxy --listen localhost:0 --upstream localhost:PORT relays (real sockets)", async () => {
    const server = await startServer({ host: "127.0.0.1", port: 0, rto: 50 });
    cleanup.push(() => server.close());
    const io = bufferIo();
    const code = await runCli(
      ["proxy", "--listen", "localhost:0", "--upstream", `localhost:${server.address.port}`, "--duration", "200ms", "-q"],
      io,
    );
    expect(io.stderr()).toMatch(new RegExp(`^proxy: listening on 127\\.0\\.0\\.1:\\d+, upstream 127\\.0\\.0\\.1:${server.address.port}\n`));
    expect(code).toBe(0);
  });

  it("imp fuzz --target udp://localhost:PORT aims at 127.0.0.1", async () => {
    const opts = await parsed<{ target: string }>(fuzzCommand, ["--target", "udp://localhost:4000"]);
    expect(opts.target).toBe("udp://127.0.0.1:4000");
  });

  it.each([
    ["server", "--host", "nowhere.invalid"],
    ["client", "--name", "a", "--server", "nowhere.invalid:1313"],
    ["proxy", "--upstream", "nowhere.invalid:1313"],
    ["fuzz", "--target", "udp://nowhere.invalid:1313", "--cases", "1"],
    ["tui", "--proxy", "nowhere.invalid:1414"],
  ])("imp %s ... nowhere.invalid: one line, exit 2", async (...argv) => {
    const io = bufferIo();
    expect(await runCli(argv, io)).toBe(2);
    expect(io.stderr()).toMatch(/^imp: --[a-z]+: cannot resolve host name "nowhere\.invalid" to an IPv4 address\n$/);
    expect(io.stdout()).toBe("");
  });
});
