/**
 * Child processes of the relay benchmark: the reference server, and the bare dgram echo server
 * that sets the ceiling. Started with `node dist/bench/relay-peers.js server|echo`; they report
 * their port and, on request, their counters over IPC.
 */
import dgram from "node:dgram";
import { startServer } from "../src/server/index.js";

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

type Request = { kind: "stats" } | { kind: "stop" };

async function main(): Promise<void> {
  const role = process.argv[2];
  const send = (m: unknown) => process.send?.(m);
  if (role === "server") {
    const server = await startServer({ host: "127.0.0.1", port: 0 });
    send({ kind: "port", port: server.address.port });
    process.on("message", (m: Request) => {
      if (m.kind === "stats")
        send({
          kind: "stats",
          received: server.counters.received,
          sent: server.counters.sent,
          retransmissions: server.counters.retransmissions,
          rss: process.memoryUsage.rss(),
          cpu: cpuSeconds(),
        });
      else void server.close().then(() => process.exit(0));
    });
  } else if (role === "echo") {
    const socket = dgram.createSocket("udp4");
    let received = 0;
    let sent = 0;
    socket.on("message", (msg, rinfo) => {
      received++;
      sent++;
      socket.send(msg, rinfo.port, rinfo.address);
    });
    socket.bind(0, "127.0.0.1", () => send({ kind: "port", port: socket.address().port }));
    process.on("message", (m: Request) => {
      if (m.kind === "stats")
        send({ kind: "stats", received, sent, retransmissions: 0, rss: process.memoryUsage.rss(), cpu: cpuSeconds() });
      else socket.close(() => process.exit(0));
    });
  } else {
    throw new Error(`unknown role ${role}`);
  }
}

void main();
