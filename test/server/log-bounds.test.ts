/** The log's rate limit (LogLimiter, on a ManualClock) and its bounded output (BoundedLineWriter). */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/arq/index.js";
import { bufferIo } from "../../src/cli/io.js";
import { encode } from "../../src/codec/index.js";
import { runServer } from "../../src/cli/commands/server.js";
import { runCli } from "../../src/cli/program.js";
import { BoundedLineWriter, LogLimiter, type ImpServer } from "../../src/server/index.js";
import { until } from "./helpers.js";

describe("LogLimiter", () => {
  it("lets `rate` lines a second through per kind, refills with time, and reports the rest once a second", () => {
    const clock = new ManualClock();
    const reports: Record<string, number>[] = [];
    const l = new LogLimiter(20, clock, (c) => reports.push(c));
    let admitted = 0;
    for (let i = 0; i < 1000; i++) if (l.admit("dropped")) admitted++;
    expect(admitted).toBe(20);
    expect(l.count).toBe(980);
    expect(reports).toEqual([]);
    clock.advance(999);
    expect(reports).toEqual([]);
    clock.advance(1);
    expect(reports).toEqual([{ dropped: 980 }]);
    // A second later the bucket is full again (20), and half a second after draining it holds 10.
    admitted = 0;
    for (let i = 0; i < 100; i++) if (l.admit("dropped")) admitted++;
    expect(admitted).toBe(20);
    clock.advance(500);
    for (let i = 0; i < 100; i++) if (l.admit("dropped")) admitted++;
    expect(admitted).toBe(30);
    clock.advance(500);
    expect(reports).toEqual([{ dropped: 980 }, { dropped: 170 }]);
    clock.advance(5000);
    expect(reports).toHaveLength(2); // nothing held back: no report, no timer
    expect(clock.pending).toBe(0);
  });

  it("holds all kinds together to 4 x rate a second, and always writes start, stop and its own reports", () => {
    const clock = new ManualClock();
    const reports: Record<string, number>[] = [];
    const l = new LogLimiter(5, clock, (c) => reports.push(c));
    let admitted = 0;
    for (let k = 0; k < 10; k++) for (let i = 0; i < 10; i++) if (l.admit(`kind${k}`)) admitted++;
    expect(admitted).toBe(20);
    for (const kind of ["listening", "stopped", "suppressed"]) expect(l.admit(kind)).toBe(true);
    l.flush();
    expect(Object.values(reports[0]!).reduce((a, b) => a + b, 0)).toBe(80);
    expect(clock.pending).toBe(0);
  });
});

describe("BoundedLineWriter", () => {
  it("drops lines while the output is behind, then says how many before the next line; the last line is always written", () => {
    let backlog = 0;
    const out: string[] = [];
    const w = new BoundedLineWriter(
      (t) => void out.push(t),
      () => backlog,
      (n) => `dropped ${n}\n`,
      100,
    );
    w.line("a\n");
    backlog = 99;
    w.line("b\n");
    w.line("c\n");
    w.line("stop\n", true);
    backlog = 0;
    w.line("d\n");
    expect(out).toEqual(["a\n", "dropped 2\n", "stop\n", "d\n"]);
    expect(w.dropped).toBe(2);
  });
});

describe("imp server: bound options", () => {
  it.each([
    [["--max-queue", "0"], "--max-queue"],
    [["--max-queue-bytes", "1000"], "--max-queue-bytes"],
    [["--queue-budget", "100"], "--queue-budget"],
    [["--half-open-share", "0"], "--half-open-share"],
    [["--half-open-share", "1.5"], "--half-open-share"],
    [["--log-rate", "-1"], "--log-rate"],
    [["--max-queued-invitations", "x"], "--max-queued-invitations"],
  ])("rejects %j with exit 2", async (args, name) => {
    const io = bufferIo();
    expect(await runCli(["server", ...args], io)).toBe(2);
    expect(io.stderr()).toContain(name);
  });

  it("limits its log to --log-rate lines a second per kind, writes the held-back count, and stops writing while the output is behind", async () => {
    const io = bufferIo();
    let stop!: (s: string) => void;
    let server: ImpServer | undefined;
    let backlog = 0;
    const done = runServer(
      { host: "127.0.0.1", port: 0, maxUsers: 255, rto: 500, retries: 5, inviteTimeout: 15_000, log: "json", ids: "random", logRate: 3 },
      io,
      { stop: () => new Promise((r) => (stop = r)), started: (s) => (server = s), backlog: () => backlog },
    );
    await until(() => server !== undefined, "the server");
    const dgram = await import("node:dgram");
    const sock = dgram.createSocket("udp4");
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
    for (let i = 0; i < 50; i++) sock.send(Uint8Array.of(0x88, 0, 0, 0, 5), server!.address.port, "127.0.0.1");
    await until(() => server!.counters.received === 50, "the junk");
    backlog = 10 * 1024 * 1024; // the output stops taking lines
    sock.send(encode({ type: 0x00, seq: 1, src: 0, group: 0, username: "alice" }), server!.address.port, "127.0.0.1");
    await until(() => server!.counters.connections === 1, "the connection");
    backlog = 0;
    sock.close();
    stop("SIGTERM");
    await done;
    const events = io
      .stdout()
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            event: string;
            counts?: Record<string, number>;
            lines?: number;
            counters?: { dropped: { reservedType: number }; logSuppressed: number };
          },
      );
    expect(events.map((e) => e.event)).toEqual([
      "listening",
      "dropped",
      "dropped",
      "dropped",
      "log-lines-dropped",
      "suppressed",
      "stopped",
    ]);
    const stopped = events.at(-1)!;
    expect(stopped.counters!.dropped.reservedType).toBe(50);
    expect(stopped.counters!.logSuppressed).toBe(47);
    expect(events[5]!.counts).toEqual({ dropped: 47 });
    // While the output was behind, the "connected" line was dropped and counted; the note came before the next line.
    expect(events[4]!.lines).toBe(1);
  });
});
