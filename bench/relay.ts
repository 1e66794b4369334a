/**
 * Relay throughput of the reference server (issue: reference server and client): K clients in the
 * Public Group send Data Messages as fast as stop-and-wait allows for a while; delivered messages/s,
 * datagrams/s through the server (received + sent) and delivery latency. In the same run, the
 * ceiling: a bare Node dgram echo server with K ping-pong clients. Each server runs in its own
 * process (one core); the clients share this process.
 */
import { fork, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import { fileURLToPath } from "node:url";
import { runLoad } from "./relay-load.js";
import { fmtRate } from "./report.js";

interface Stats {
  received: number;
  sent: number;
  retransmissions: number;
  rss: number;
  /** CPU seconds used by the process so far. */
  cpu: number;
}

interface Peer {
  child: ChildProcess;
  port: number;
  stats(): Promise<Stats>;
  stop(): Promise<void>;
}

async function startPeer(role: "server" | "echo"): Promise<Peer> {
  const script = fileURLToPath(new URL("./relay-peers.js", import.meta.url));
  const child = fork(script, [role], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m: { kind: string; port: number }) => resolve(m.port));
    child.once("exit", (code) => reject(new Error(`${role} exited with ${code}`)));
  });
  return {
    child,
    port,
    stats: () =>
      new Promise((resolve) => {
        child.once("message", (m: Stats) => resolve(m));
        child.send({ kind: "stats" });
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.send({ kind: "stop" });
      }),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface RelayResult {
  k: number;
  seconds: number;
  sent: number;
  delivered: number;
  expected: number;
  messagesPerSecond: number;
  serverDatagramsPerSecond: number;
  p50ms: number;
  p99ms: number;
  retransmissions: number;
  /** Share of one core the server used. */
  serverCpu: number;
}

/** K clients chat as fast as ARQ allows for `seconds`; every message must reach the K-1 others. */
export async function benchRelay(k: number, seconds: number): Promise<RelayResult> {
  const server = await startPeer("server");
  const before = await server.stats();
  const load = await runLoad(server.port, k, seconds);
  const after = await server.stats();
  await server.stop();
  const latencies = [...load.latencies].sort((a, b) => a - b);
  return {
    k,
    seconds: load.seconds,
    sent: load.sent,
    delivered: load.delivered,
    expected: load.sent * (k - 1),
    messagesPerSecond: load.delivered / load.seconds,
    // Includes the drain after the timed window: datagrams over the time they took.
    serverDatagramsPerSecond: (after.received - before.received + after.sent - before.sent) / load.busySeconds,
    p50ms: percentile(latencies, 50),
    p99ms: percentile(latencies, 99),
    retransmissions: after.retransmissions - before.retransmissions,
    serverCpu: (after.cpu - before.cpu) / load.busySeconds,
  };
}

/** K ping-pong clients against a bare echo server: datagrams/s through it (in + out). */
export async function benchEcho(k: number, seconds: number): Promise<number> {
  const echo = await startPeer("echo");
  const sockets = await Promise.all(
    Array.from(
      { length: k },
      () =>
        new Promise<dgram.Socket>((resolve) => {
          const s = dgram.createSocket("udp4");
          s.bind(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const payload = Buffer.from("2802010007000568656c6c6f", "hex");
  let running = true;
  for (const s of sockets) {
    s.on("message", () => {
      if (running) s.send(payload, echo.port, "127.0.0.1");
    });
  }
  const before = await echo.stats();
  const t0 = performance.now();
  for (const s of sockets) s.send(payload, echo.port, "127.0.0.1");
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = await echo.stats();
  const elapsed = (performance.now() - t0) / 1000;
  running = false;
  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  await echo.stop();
  return (after.received - before.received + after.sent - before.sent) / elapsed;
}

export async function runRelayBench(ks: number[], seconds: number): Promise<void> {
  console.log(`\n## relay (reference server in its own process, ${seconds} s per run)`);
  for (const k of ks) {
    const echo = await benchEcho(k, seconds);
    const r = await benchRelay(k, seconds);
    const lost = r.expected - r.delivered;
    console.log(
      `  K=${String(k).padEnd(3)} delivered ${fmtRate(r.messagesPerSecond)} msg/s, server ${fmtRate(r.serverDatagramsPerSecond)} datagrams/s` +
        ` = ${((100 * r.serverDatagramsPerSecond) / echo).toFixed(0)}% of echo ceiling ${fmtRate(echo)} datagrams/s;` +
        ` latency p50 ${r.p50ms.toFixed(2)} ms p99 ${r.p99ms.toFixed(2)} ms; lost ${lost} of ${r.expected}; retransmissions ${r.retransmissions}; server CPU ${(100 * r.serverCpu).toFixed(0)}%`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv[2] ?? 10);
  await runRelayBench([2, 16, 64], seconds);
}
