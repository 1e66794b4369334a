/**
 * The proxy's own overhead (issue: proxy), faults off, in one run:
 * - relay rate: K client sockets, each keeping W datagrams in flight, through the proxy to a bare
 *   dgram echo server: datagrams forwarded per second (client→server and server→client), per
 *   wall second and per CPU second of the proxy (its process runs on one core);
 * - added latency: one ping-pong socket, round trips direct to the echo server and through the
 *   proxy, alternated in the same run (p50 and p99); a round trip crosses the proxy twice.
 * The echo server and the proxy each run in their own process; the clients run here.
 */
import { fork, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import { fileURLToPath } from "node:url";
import { fmtRate } from "./report.js";

interface Stats {
  received: number;
  sent: number;
  rss: number;
  cpu: number;
}

interface Child {
  port: number;
  stats(): Promise<Stats>;
  stop(): Promise<void>;
}

async function start(script: string, args: string[]): Promise<Child> {
  const child: ChildProcess = fork(fileURLToPath(new URL(script, import.meta.url)), args, {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m: { port: number }) => resolve(m.port));
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return {
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

const PAYLOAD = Buffer.from("2802010007000568656c6c6f", "hex");

function openSockets(k: number): Promise<dgram.Socket[]> {
  return Promise.all(
    Array.from(
      { length: k },
      () =>
        new Promise<dgram.Socket>((resolve) => {
          const s = dgram.createSocket("udp4");
          s.bind(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
}

const closeAll = (sockets: dgram.Socket[]) => Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));

/** K sockets with W datagrams each in flight toward `port` for `seconds`; replies per second. */
async function flood(port: number, k: number, w: number, seconds: number): Promise<number> {
  const sockets = await openSockets(k);
  let replies = 0;
  let running = true;
  for (const s of sockets) {
    s.on("message", () => {
      replies++;
      if (running) s.send(PAYLOAD, port, "127.0.0.1");
    });
  }
  const t0 = performance.now();
  for (const s of sockets) for (let i = 0; i < w; i++) s.send(PAYLOAD, port, "127.0.0.1");
  await new Promise((r) => setTimeout(r, seconds * 1000));
  running = false;
  const elapsed = (performance.now() - t0) / 1000;
  await closeAll(sockets);
  return replies / elapsed;
}

/** Round trips of one socket, alternating direct and through the proxy; sorted RTTs in ms. */
async function pingPong(direct: number, proxied: number, rounds: number): Promise<{ direct: number[]; proxied: number[] }> {
  const [s] = await openSockets(1);
  const socket = s!;
  const out = { direct: [] as number[], proxied: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    for (const [port, list] of [
      [direct, out.direct],
      [proxied, out.proxied],
    ] as const) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        socket.once("message", () => resolve());
        socket.send(PAYLOAD, port, "127.0.0.1");
      });
      list.push(performance.now() - t0);
    }
  }
  await closeAll([socket]);
  out.direct.sort((a, b) => a - b);
  out.proxied.sort((a, b) => a - b);
  return out;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export interface ProxyBenchResult {
  /** Datagrams forwarded by the proxy per wall second (both directions). */
  forwardedPerSecond: number;
  /** The same per CPU second of the proxy process (its one core). */
  forwardedPerCpuSecond: number;
  proxyCpu: number;
  /** Echo round trips per second through the proxy and direct, same K and W. */
  proxiedRoundTrips: number;
  directRoundTrips: number;
  rttDirectP50: number;
  rttProxiedP50: number;
  rttDirectP99: number;
  rttProxiedP99: number;
  proxyRss: number;
}

export async function benchProxy(options: { seconds?: number; k?: number; w?: number; rounds?: number } = {}): Promise<ProxyBenchResult> {
  const seconds = options.seconds ?? 5;
  const k = options.k ?? 16;
  const w = options.w ?? 8;
  const echo = await start("./relay-peers.js", ["echo"]);
  const proxy = await start("./proxy-peer.js", [String(echo.port)]);
  try {
    const rtt = await pingPong(echo.port, proxy.port, options.rounds ?? 2000);
    const directRoundTrips = await flood(echo.port, k, w, seconds);
    const before = await proxy.stats();
    const t0 = performance.now();
    const proxiedRoundTrips = await flood(proxy.port, k, w, seconds);
    await new Promise((r) => setTimeout(r, 100));
    const after = await proxy.stats();
    const elapsed = (performance.now() - t0) / 1000;
    const forwarded = after.sent - before.sent;
    const cpu = after.cpu - before.cpu;
    const r: ProxyBenchResult = {
      forwardedPerSecond: forwarded / elapsed,
      forwardedPerCpuSecond: forwarded / cpu,
      proxyCpu: cpu / elapsed,
      proxiedRoundTrips,
      directRoundTrips,
      rttDirectP50: pct(rtt.direct, 50),
      rttProxiedP50: pct(rtt.proxied, 50),
      rttDirectP99: pct(rtt.direct, 99),
      rttProxiedP99: pct(rtt.proxied, 99),
      proxyRss: after.rss,
    };
    console.log(`\n## proxy (faults off; proxy and echo server in their own processes, ${k} sockets x ${w} in flight, ${seconds} s)`);
    console.log(
      `  forwarded ${fmtRate(r.forwardedPerSecond)} datagrams/s (${fmtRate(r.forwardedPerCpuSecond)} per proxy CPU-second, proxy CPU ${(100 * r.proxyCpu).toFixed(0)}%; target 100 k on one core)`,
    );
    console.log(
      `  echo round trips: ${fmtRate(r.proxiedRoundTrips)}/s through the proxy, ${fmtRate(r.directRoundTrips)}/s direct (${((100 * r.proxiedRoundTrips) / r.directRoundTrips).toFixed(0)}%)`,
    );
    console.log(
      `  round trip p50 ${r.rttDirectP50.toFixed(3)} ms direct, ${r.rttProxiedP50.toFixed(3)} ms through the proxy: +${(r.rttProxiedP50 - r.rttDirectP50).toFixed(3)} ms ` +
        `(+${((r.rttProxiedP50 - r.rttDirectP50) / 2).toFixed(3)} ms per crossing); p99 ${r.rttDirectP99.toFixed(3)} / ${r.rttProxiedP99.toFixed(3)} ms; proxy RSS ${(r.proxyRss / 2 ** 20).toFixed(0)} MiB`,
    );
    return r;
  } finally {
    await proxy.stop();
    await echo.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchProxy({ seconds: Number(process.argv[2] ?? 5) });
}
