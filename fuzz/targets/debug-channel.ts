/**
 * The debug channel a target offers only when started for fuzzing: a wrapper around its
 * DatagramTransport that counts every datagram sent, and takes datagrams from one control
 * address (the fuzzer's control socket) as JSON commands instead of passing them on. Replies go
 * out through the same socket, after everything the target sent before.
 */
import inspector from "node:inspector";
import type { Address, DatagramTransport } from "../../src/transport/index.js";

export interface DebugTransport extends DatagramTransport {
  sent: number;
  received: number;
}

export type CommandHandler = (cmd: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>;

export function debugTransport(inner: DatagramTransport, control: Address, handle: CommandHandler): DebugTransport {
  let handler: ((bytes: Buffer, from: Address) => void) | null = null;
  const t: DebugTransport = {
    local: inner.local,
    sent: 0,
    received: 0,
    send(bytes, to) {
      t.sent++;
      inner.send(bytes, to);
    },
    onDatagram(h) {
      handler = h;
    },
    close: () => inner.close(),
  };
  inner.onDatagram((bytes, from) => {
    if (from.port === control.port && from.ip === control.ip) {
      let cmd: Record<string, unknown>;
      try {
        cmd = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
      } catch {
        return;
      }
      void Promise.resolve(handle(cmd)).then((reply) => inner.send(Buffer.from(JSON.stringify({ ...reply, id: cmd.id })), control));
      return;
    }
    t.received++;
    handler?.(bytes, from);
  });
  return t;
}

/**
 * Block coverage of this process's own code (V8 precise coverage through the in-process
 * inspector): each call reports the blocks never seen before. Counters reset at every take.
 */
export class CoverageCollector {
  private readonly session = new inspector.Session();
  private readonly seen = new Set<string>();
  private readonly all = new Set<string>();
  private started = false;

  constructor(private readonly include: (url: string) => boolean) {}

  private post<T>(method: string, params?: object): Promise<T> {
    return new Promise((resolve, reject) => this.session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))));
  }

  async start(): Promise<void> {
    this.session.connect();
    await this.post("Profiler.enable");
    await this.post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });
    this.started = true;
  }

  async take(): Promise<{ newBlocks: number; covered: number; total: number }> {
    if (!this.started) return { newBlocks: 0, covered: 0, total: 0 };
    type Range = { startOffset: number; endOffset: number; count: number };
    const res = await this.post<{ result: { url: string; functions: { ranges: Range[] }[] }[] }>("Profiler.takePreciseCoverage");
    let fresh = 0;
    for (const script of res.result) {
      if (!this.include(script.url)) continue;
      for (const fn of script.functions) {
        for (const r of fn.ranges) {
          const key = `${script.url}:${r.startOffset}:${r.endOffset}`;
          this.all.add(key);
          if (r.count > 0 && !this.seen.has(key)) {
            this.seen.add(key);
            fresh++;
          }
        }
      }
    }
    return { newBlocks: fresh, covered: this.seen.size, total: this.all.size };
  }
}
