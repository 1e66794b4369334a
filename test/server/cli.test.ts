import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bufferIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";
import { runServer, type ServerCommandOptions } from "../../src/cli/commands/server.js";
import { decode, encode } from "../../src/codec/index.js";
import type { ImpServer } from "../../src/server/index.js";
import { until } from "./helpers.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const defaults: ServerCommandOptions = {
  host: "127.0.0.1",
  port: 0,
  maxUsers: 255,
  rto: 500,
  retries: 5,
  inviteTimeout: 15_000,
  log: "text",
  ids: "lowest",
};

/** Sends a Connection Request and resolves with the decoded answer. */
async function connectOnce(port: number, name: string): Promise<ReturnType<typeof decode>["message"]> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const answer = new Promise<Buffer>((r) => s.once("message", (b) => r(b)));
  s.send(encode({ type: 0, seq: 1, src: 0, group: 0, username: name }), port, "127.0.0.1");
  const bytes = await Promise.race([answer, new Promise<never>((_, j) => setTimeout(() => j(new Error("no answer")), 3000))]);
  const m = decode(bytes).message!;
  if (m.type === 1) s.send(encode({ type: 1, seq: m.seq, ack: 1, src: m.client_id!, group: 0 }), port, "127.0.0.1");
  await new Promise((r) => setTimeout(r, 20));
  s.close();
  return m;
}

describe("imp server (in process)", () => {
  it.each([
    [["--port", "70000"], "--port"],
    [["--port", "x"], "--port"],
    [["--max-users", "0"], "--max-users"],
    [["--max-users", "256"], "--max-users"],
    [["--rto", "0"], "--rto"],
    [["--rto", "-5"], "--rto"],
    [["--retries", "-1"], "--retries"],
    [["--invite-timeout", "0"], "--invite-timeout"],
    [["--host", "256.1.1.1"], "--host"],
    [["--host", "::1"], "--host"],
    [["--host", "nowhere.invalid"], "--host"],
  ])("rejects %j with exit 2", async (args, name) => {
    const io = bufferIo();
    expect(await runCli(["server", ...args], io)).toBe(2);
    expect(io.stderr()).toContain(name);
  });

  it("rejects an unknown --log format with exit 2", async () => {
    const io = bufferIo();
    expect(await runCli(["server", "--log", "xml"], io)).toBe(2);
  });

  it("logs one JSON object per event and the counters when stopped", async () => {
    const io = bufferIo();
    let stop!: (s: string) => void;
    let server: ImpServer | undefined;
    const done = runServer({ ...defaults, log: "json" }, io, {
      stop: () => new Promise((r) => (stop = r)),
      started: (s) => (server = s),
    });
    await until(() => server !== undefined, "the server to start");
    const m = await connectOnce(server!.address.port, "alice");
    expect(m).toMatchObject({ type: 1, client_id: 1 });
    stop("SIGTERM");
    await done;
    const lines = io
      .stdout()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.event)).toEqual(["listening", "connected", "established", "stopped"]);
    expect(lines.every((l) => typeof l.ts === "string")).toBe(true);
    expect(lines[1]).toMatchObject({ id: 1, name: "alice", ip: "127.0.0.1" });
    expect(lines[3]).toMatchObject({ signal: "SIGTERM", counters: { received: 2, accepted: 2, connections: 1, sent: 1 } });
  });

  it.each([
    [undefined, "shared with a socket that sets SO_REUSEADDR (peer sockets)", true],
    [false, "exclusive with --no-peer-sockets", false],
  ])("peerSockets %s: the port is %s", async (peerSockets, _what, shared) => {
    let stop!: (s: string) => void;
    let server: ImpServer | undefined;
    const done = runServer({ ...defaults, ...(peerSockets === undefined ? {} : { peerSockets }) }, bufferIo(), {
      stop: () => new Promise((r) => (stop = r)),
      started: (s) => (server = s),
    });
    await until(() => server !== undefined, "the server to start");
    const other = dgram.createSocket({ type: "udp4", reuseAddr: true });
    const bound = await new Promise<boolean>((r) => {
      other.once("error", () => r(false));
      other.bind(server!.address.port, "127.0.0.1", () => r(true));
    });
    if (bound) other.close();
    stop("SIGTERM");
    await done;
    expect(bound).toBe(shared);
  });
});

describe("imp server (spawned)", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "prints events, and on %s the counters, then exits 0",
    async (signal) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "server", "--port", "0", "--rto", "50"], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      let id = 0;
      try {
        await until(() => /listening ip=127\.0\.0\.1 port=\d+/.test(out), `the listening line (stderr: ${err})`, 20_000);
        const port = Number(/port=(\d+)/.exec(out)![1]);
        const accept = await connectOnce(port, "bob");
        // Random client IDs by default (docs/PROTOCOL.md 5.1).
        expect(accept).toMatchObject({ type: 1 });
        id = accept!.client_id!;
        expect(id).toBeGreaterThanOrEqual(1);
        await until(() => out.includes("established"), "the established line");
        child.kill(signal);
        expect(await exited).toBe(0);
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      expect(out).toMatch(new RegExp(`connected id=${id} name=bob ip=127\\.0\\.0\\.1 port=\\d+`));
      expect(out).toContain(`stopped signal=${signal}\n`);
      expect(out).toMatch(/^ {2}received 2$/m);
      expect(out).toMatch(/^ {2}connections 1$/m);
      expect(out).toMatch(/^ {2}dropped\.unknownAddress 0$/m);
      expect(err).toBe("");
    },
    30_000,
  );
});
