/**
 * Child process of the proxy benchmark: `node dist/bench/proxy-peer.js ECHO_PORT` runs an IMP
 * proxy (faults off, no live view) in front of the echo server; reports its port and, on request,
 * its counters and CPU time over IPC.
 */
import { startProxy } from "../src/proxy/index.js";

type Request = { kind: "stats" } | { kind: "stop" };

async function main(): Promise<void> {
  const upstream = { ip: "127.0.0.1", port: Number(process.argv[2]) };
  const proxy = await startProxy({ listen: { ip: "127.0.0.1", port: 0 }, upstream });
  const send = (m: unknown) => process.send?.(m);
  send({ kind: "port", port: proxy.address.port });
  process.on("message", (m: Request) => {
    if (m.kind === "stop") {
      void proxy.close().then(() => process.exit(0));
      return;
    }
    const u = process.cpuUsage();
    const s = proxy.stats;
    send({
      kind: "stats",
      received: s.c2s.received + s.s2c.received,
      sent: s.c2s.forwarded + s.s2c.forwarded,
      retransmissions: 0,
      rss: process.memoryUsage.rss(),
      cpu: (u.user + u.system) / 1e6,
    });
  });
}

void main();
