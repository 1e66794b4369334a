/**
 * The proxy's traffic as a live PacketSource (dissector/source.ts), so `imp proxy` shows it with
 * the read pipeline (summary lines, -T json...) and `imp tui --proxy` in the inspector; and as a
 * pcapng file (-w). Each delivered datagram becomes a raw IPv4/UDP frame (LINKTYPE_IPV4, built
 * by the capture writer's frame builder) between the real client and the real server.
 */
import {
  buildUdpPackets,
  createCaptureWriter,
  LinkType,
  rawIpPacket,
  type CaptureWriter,
  type CapturePacket,
} from "../../dissector/capture/index.js";
import type { PacketSource, SourceEnd } from "../../dissector/source.js";
import { startProxy, type ImpProxy, type ProxiedDatagram, type ProxyOptions } from "./proxy.js";

export interface ProxyFeed {
  /** Give it to startProxy's onDatagram. */
  push(d: ProxiedDatagram): void;
  /** The live source (one run). Packets pushed before run() are kept and delivered first. */
  readonly source: PacketSource;
  /** Ends the source's run (the proxy closed). */
  end(): void;
  /** Frames pushed so far. */
  readonly frames: number;
}

export interface ProxyFeedOptions {
  description: string;
  /** Also write every frame to this pcapng file (flushed every `flushIntervalMs`, complete on end). */
  write?: string;
  flushIntervalMs?: number;
}

export function proxyFeed(options: ProxyFeedOptions): ProxyFeed {
  let frame = 0;
  let onPacket: ((p: CapturePacket) => void) | null = null;
  let finish: ((end: SourceEnd) => void) | null = null;
  let ended = false;
  const early: CapturePacket[] = [];
  const writer: CaptureWriter | null = options.write
    ? createCaptureWriter({ format: "pcapng", path: options.write, nanosecond: true, linkType: LinkType.IPV4 })
    : null;
  writer?.flush();
  let flushTimer: NodeJS.Timeout | null = null;
  const flushMs = options.flushIntervalMs ?? 200;

  const end = () => {
    if (ended) return;
    ended = true;
    if (flushTimer) clearTimeout(flushTimer);
    void writer?.close();
    finish?.({ packets: frame });
  };

  return {
    get frames() {
      return frame;
    },
    push(d) {
      if (ended) return;
      for (const data of buildUdpPackets(d.src, d.dst, d.bytes)) {
        frame++;
        const p = rawIpPacket(frame, d.tsSec, d.tsNsec, data);
        if (writer) {
          writer.writeFrame(data, { tsSec: d.tsSec, tsNsec: d.tsNsec });
          if (!flushTimer) {
            flushTimer = setTimeout(() => {
              flushTimer = null;
              if (!ended) writer.flush();
            }, flushMs);
            flushTimer.unref();
          }
        }
        if (onPacket) onPacket(p);
        else early.push(p);
      }
    },
    end,
    source: {
      description: options.description,
      live: true,
      run(handler) {
        return new Promise<SourceEnd>((resolve) => {
          for (const p of early.splice(0)) handler(p);
          if (ended) return resolve({ packets: frame });
          onPacket = handler;
          finish = resolve;
        });
      },
      stop: end,
    },
  };
}

export interface ProxySourceOptions extends Omit<ProxyOptions, "onDatagram"> {
  write?: string;
}

/**
 * A proxy as a live PacketSource (`imp tui --proxy`): run() starts the proxy and delivers its
 * traffic until stop(); the proxy is closed when the run ends. A listen address in use rejects run().
 */
export function proxySource(options: ProxySourceOptions): PacketSource {
  const { write, ...proxyOptions } = options;
  const description = `imp proxy ${options.listen.ip}:${options.listen.port} -> ${options.upstream.ip}:${options.upstream.port}`;
  const feed = proxyFeed({ description, ...(write ? { write } : {}) });
  let proxy: ImpProxy | null = null;
  return {
    description,
    live: true,
    async run(onPacket) {
      proxy = await startProxy({ ...proxyOptions, onDatagram: feed.push });
      try {
        return await feed.source.run(onPacket);
      } finally {
        await proxy.close();
      }
    },
    stop() {
      feed.end();
    },
  };
}
