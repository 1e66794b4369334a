/**
 * Making real captures on the loopback interface with tcpdump and dumpcap (root only): the tests
 * use it when they can, and make-fixtures.ts uses it to write the committed fixtures.
 */
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { encode } from "../../src/codec/index.js";

/** The datagrams sent for every live capture, in order: four over IPv4, two over IPv6. */
export function livePayloads(): { family: "udp4" | "udp6"; payload: Uint8Array }[] {
  return [
    { family: "udp4", payload: encode({ type: 0, seq: 0, username: "alice" }) },
    { family: "udp4", payload: encode({ type: 5, seq: 1, src: 2, group: 1, data: "hello over loopback" }) },
    { family: "udp4", payload: encode({ type: 5, seq: 1, ack: 1, src: 0, group: 0 }) },
    { family: "udp4", payload: encode({ type: 5, seq: 0, src: 2, group: 1, data: "y".repeat(3000) }) },
    { family: "udp6", payload: encode({ type: 0, seq: 0, username: "bob" }) },
    { family: "udp6", payload: encode({ type: 5, seq: 1, src: 3, group: 1, data: "hello over IPv6" }) },
  ];
}

export interface LiveTool {
  /** Fixture file name. */
  file: string;
  tool: "tcpdump" | "dumpcap";
  args: (path: string, port: number) => string[];
  /** How many times each datagram appears (dumpcap on lo and any: twice). A filter before the
   * first -i applies to every interface (after an -i it applies to that one only). */
  copies: number;
  linkTypes: number[];
  format: "pcap" | "pcapng";
}

/** Here (tcpdump 4.99.3, dumpcap 4.0.17, libpcap 1.10.3): tcpdump -i any writes LINUX_SLL2, dumpcap -i any LINUX_SLL. */
export const LIVE_TOOLS: LiveTool[] = [
  {
    file: "tcpdump-lo.pcap",
    tool: "tcpdump",
    args: (p, port) => ["-Z", "root", "--immediate-mode", "-U", "-i", "lo", "-w", p, "udp", "port", String(port)],
    copies: 1,
    linkTypes: [1],
    format: "pcap",
  },
  {
    file: "tcpdump-any-ns.pcap",
    tool: "tcpdump",
    args: (p, port) => [
      "-Z",
      "root",
      "--immediate-mode",
      "-U",
      "-i",
      "any",
      "--time-stamp-precision",
      "nano",
      "-w",
      p,
      "udp",
      "port",
      String(port),
    ],
    copies: 1,
    linkTypes: [276],
    format: "pcap",
  },
  {
    file: "tcpdump-any-sll.pcap",
    tool: "tcpdump",
    args: (p, port) => ["-Z", "root", "--immediate-mode", "-U", "-i", "any", "-y", "LINUX_SLL", "-w", p, "udp", "port", String(port)],
    copies: 1,
    linkTypes: [113],
    format: "pcap",
  },
  {
    file: "dumpcap-lo.pcapng",
    tool: "dumpcap",
    args: (p, port) => ["-q", "-i", "lo", "-f", `udp port ${port}`, "-w", p],
    copies: 1,
    linkTypes: [1],
    format: "pcapng",
  },
  {
    file: "dumpcap-lo-any.pcapng",
    tool: "dumpcap",
    args: (p, port) => ["-q", "-f", `udp port ${port}`, "-i", "lo", "-i", "any", "-w", p],
    copies: 2,
    linkTypes: [1, 113],
    format: "pcapng",
  },
];

export const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

async function freePort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

async function sendAll(port: number): Promise<void> {
  for (const { family, payload } of livePayloads()) {
    const socket = dgram.createSocket(family);
    await new Promise<void>((resolve, reject) =>
      socket.send(payload, port, family === "udp4" ? "127.0.0.1" : "::1", (error) => (error ? reject(error) : resolve())),
    );
    await new Promise<void>((resolve) => socket.close(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Captures the live datagrams with `tool` into `path`; rejects with the tool's stderr on failure. */
export async function captureLive(tool: LiveTool, path: string): Promise<void> {
  const port = await freePort();
  const child = spawn(tool.tool, tool.args(path, port), { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = /listening on|Capturing on/;
  for (let waited = 0; !ready.test(stderr); waited += 50) {
    if (child.exitCode !== null || waited > 10_000) {
      child.kill("SIGINT");
      throw new Error(`${tool.tool} did not start: ${stderr}`);
    }
    await delay(50);
  }
  await delay(300);
  await sendAll(port);
  await delay(500);
  child.kill("SIGINT");
  const code = await exited;
  if (code !== 0) throw new Error(`${tool.tool} exited with ${code}: ${stderr}`);
}
