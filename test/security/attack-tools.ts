/**
 * Tools of the long attack suite (npm run test:security): the server as `imp server` in its own
 * process (its RSS is read from /proc), lean raw IMP clients on any loopback address, and
 * forged sources: a socket bound with SO_REUSEADDR to the victim's address before the victim
 * binds it sends in the victim's name, while Linux delivers what arrives there to the victim
 * (the socket bound last), so no raw socket is needed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decode, encode, type ImpMessage, type MessageInput } from "../../src/codec/index.js";
import type { Address } from "../../src/transport/index.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export const MiB = 1024 * 1024;

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** `imp server` in a child process, logging JSON lines. */
export class ServerProcess {
  readonly lines: { at: number; text: string }[] = [];
  private buffered = "";
  private reading = true;
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {}

  /** Starts `imp server --port 0 --log json ARGS`; `readLog: false` stops reading its standard output after the listening line (a pipe nobody reads). */
  static async start(args: string[], opts: { readLog?: boolean } = {}): Promise<ServerProcess> {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "server", "--port", "0", "--log", "json", ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    let first = "";
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`imp server did not start: ${err}`)), 30_000);
      const onData = (d: Buffer) => {
        first += d.toString();
        const nl = first.indexOf("\n");
        if (nl < 0) return;
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        resolve((JSON.parse(first.slice(0, nl)) as { port: number }).port);
      };
      child.stdout!.on("data", onData);
      child.once("exit", (code) => reject(new Error(`imp server exited with ${code}: ${err}`)));
    });
    const s = new ServerProcess(child, port);
    s.buffered = first.slice(first.indexOf("\n") + 1);
    if (opts.readLog === false) {
      s.reading = false;
      child.stdout!.pause();
    } else child.stdout!.on("data", (d: Buffer) => s.take(d));
    return s;
  }

  private take(d: Buffer): void {
    this.buffered += d.toString();
    const parts = this.buffered.split("\n");
    this.buffered = parts.pop()!;
    const at = performance.now();
    for (const text of parts) this.lines.push({ at, text });
  }

  get address(): Address {
    return { ip: "127.0.0.1", port: this.port };
  }

  /** Resident set size of the server process, in bytes. */
  rss(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
  }

  /** SIGTERM; resolves with the counters of its last ("stopped") line. */
  async stop(): Promise<Record<string, unknown> & { dropped: Record<string, number> }> {
    if (!this.reading) {
      this.reading = true;
      this.child.stdout!.on("data", (d: Buffer) => this.take(d));
      this.child.stdout!.resume();
    }
    const exited = new Promise<number | null>((r) => this.child.once("exit", (code) => r(code)));
    this.child.kill("SIGTERM");
    const code = await Promise.race([exited, sleep(15_000).then(() => "timeout" as const)]);
    if (code === "timeout") {
      this.child.kill("SIGKILL");
      throw new Error("imp server did not stop within 15 s of SIGTERM");
    }
    await sleep(50);
    const last = this.lines.map((l) => l.text).filter((t) => t.includes('"event":"stopped"'))[0];
    if (!last) throw new Error(`no stopped line (exit ${code})`);
    return (JSON.parse(last) as { counters: Record<string, unknown> & { dropped: Record<string, number> } }).counters;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

/** A lean IMP client on a raw socket: ACKs what the server sends (optionally late), counts bytes. */
export class RawClient {
  id = 0;
  lastSent = 0;
  private lastReceived = 0;
  bytesIn = 0;
  bytesOut = 0;
  readonly received: ImpMessage[] = [];
  /** Milliseconds to wait before each ACK (a slow receiver); 0 ACKs at once; null never. */
  ackDelayMs: number | null = 0;
  onMessage: ((m: ImpMessage) => void) | null = null;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    readonly socket: dgram.Socket,
    readonly server: Address,
  ) {
    socket.on("error", () => {});
    socket.on("message", (b) => {
      this.bytesIn += b.length;
      const m = decode(b).message;
      if (!m) return;
      if (m.type === 0x01 && m.ack === 0 && this.id === 0) this.id = m.client_id ?? 0;
      if (m.ack === 0 && m.type !== 0x02 && this.ackDelayMs !== null) {
        const ack = encode({ type: m.type, seq: m.seq, ack: 1, src: this.id, group: 0 });
        if (this.ackDelayMs === 0) this.raw(ack);
        else {
          const t = setTimeout(() => {
            this.timers.delete(t);
            this.raw(ack);
          }, this.ackDelayMs);
          this.timers.add(t);
        }
      }
      const isNew = m.ack === 1 || m.seq !== this.lastReceived;
      if (m.ack === 0) this.lastReceived = m.seq;
      if (isNew) {
        this.received.push(m);
        this.onMessage?.(m);
      }
    });
  }

  static async open(server: Address, ip = "127.0.0.1", port = 0, reuseAddr = false): Promise<RawClient> {
    const socket = dgram.createSocket({ type: "udp4", reuseAddr });
    await new Promise<void>((r) => socket.bind(port, ip, () => r()));
    return new RawClient(socket, server);
  }

  get address(): Address {
    const a = this.socket.address();
    return { ip: a.address, port: a.port };
  }

  raw(bytes: Uint8Array): void {
    if (this.closed) return;
    this.bytesOut += bytes.length;
    this.socket.send(bytes, this.server.port, this.server.ip);
  }

  send(m: MessageInput): void {
    this.lastSent ^= 1;
    this.raw(encode({ src: this.id, group: 0, ...m, seq: this.lastSent, ack: 0 }));
  }

  /** Connection Request, then (the Accept is ACKed on arrival) the User List Request; resolves with the ID. */
  async connect(name: string, timeoutMs = 5000): Promise<number> {
    this.send({ type: 0x00, src: 0, username: name });
    await until(() => this.id !== 0 || this.received.some((m) => m.type === 0x02), `the Accept for ${name}`, timeoutMs);
    if (this.id === 0) throw new Error(`${name} was rejected`);
    this.send({ type: 0x03, group: 1 });
    await until(() => this.received.some((m) => m.type === 0x04), `the list for ${name}`, timeoutMs);
    return this.id;
  }

  close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    return new Promise((r) => {
      try {
        this.socket.close(() => r());
      } catch {
        r();
      }
    });
  }
}
