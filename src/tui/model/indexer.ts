/**
 * Builds the packet index in the background: reads the source through the dissector's public
 * API (readImpDatagrams over a PacketSource), appends one index row per IMP datagram, feeds the
 * conversation analyzer, and reports progress as events. Reading awaits the file between chunks,
 * so keys and redraws run while a big file is indexed.
 */
import { EventEmitter } from "node:events";
import { open, stat } from "node:fs/promises";
import { CaptureParser } from "../../../dissector/capture/index.js";
import type { CapturePacket } from "../../../dissector/capture/index.js";
import { readImpDatagrams, type ImpDatagram } from "../../../dissector/imp-frames.js";
import type { PacketSource, SourceEnd } from "../../../dissector/source.js";
import type { Recognition } from "../../../dissector/recognize.js";
import { ConversationAnalyzer } from "../../../dissector/analysis/index.js";
import { PacketIndex } from "./packet-index.js";
import type { PayloadStore } from "./payload-store.js";
import { ExpertTally } from "./experts.js";

export interface IndexProgress {
  rows: number;
  packets: number;
  bytes: number;
  /** File size; 0 when unknown (pipes, live). */
  totalBytes: number;
  done: boolean;
}

export interface IndexerEvents {
  progress: [IndexProgress];
  rows: [number];
  done: [IndexProgress];
  error: [Error];
}

const CHUNK = 512 * 1024;

/**
 * A capture file read chunk by chunk through the public push parser; it remembers the chunk
 * being parsed so that a datagram's payload can be located in the file (to re-read it later).
 */
class TrackedFileSource implements PacketSource {
  readonly live = false;
  chunk: Uint8Array | null = null;
  chunkBase = 0;
  private stopped = false;
  constructor(
    readonly description: string,
    private readonly onChunk: (bytes: number) => void,
  ) {}

  async run(onPacket: (p: CapturePacket) => void): Promise<SourceEnd> {
    let packets = 0;
    const parser = new CaptureParser((p) => {
      if (this.stopped) return;
      packets++;
      onPacket(p);
    });
    const file = await open(this.description, "r");
    try {
      // Two buffers: the next chunk is read while this one is parsed (no idle wait per chunk).
      const buffers = [new Uint8Array(CHUNK), new Uint8Array(CHUNK)];
      let which = 0;
      let base = 0;
      let pending = file.read(buffers[0]!, 0, CHUNK, null);
      while (!this.stopped) {
        const { bytesRead } = await pending;
        if (bytesRead === 0) break;
        const current = buffers[which]!;
        which ^= 1;
        pending = file.read(buffers[which]!, 0, CHUNK, null);
        this.chunk = current.subarray(0, bytesRead);
        this.chunkBase = base;
        parser.push(this.chunk);
        base += bytesRead;
        this.onChunk(base);
        // Let keys and redraws in even when the file is in the page cache.
        await new Promise<void>((r) => setImmediate(r));
      }
      await pending.catch(() => undefined);
    } finally {
      await file.close();
    }
    if (this.stopped) return { packets };
    return { packets, summary: parser.end() };
  }

  stop(): void {
    this.stopped = true;
  }
}

export class Indexer extends EventEmitter<IndexerEvents> {
  readonly index = new PacketIndex();
  readonly analyzer: ConversationAnalyzer;
  /** Codec problems of every datagram, as they are indexed. */
  readonly codecExperts = new ExpertTally();
  packets = 0;
  bytes = 0;
  totalBytes = 0;
  done = false;
  failure: Error | null = null;
  private source: PacketSource | null = null;
  private lastEmit = 0;

  constructor(
    private readonly store: PayloadStore,
    private readonly recognition: Recognition,
    serverPort: number,
  ) {
    super();
    this.analyzer = new ConversationAnalyzer({ serverPort });
  }

  progress(): IndexProgress {
    return { rows: this.index.count, packets: this.packets, bytes: this.bytes, totalBytes: this.totalBytes, done: this.done };
  }

  /** Indexes a capture file (payloads re-read from it later). */
  async indexFile(path: string): Promise<void> {
    this.totalBytes = (await stat(path)).size;
    const src = new TrackedFileSource(path, (bytes) => {
      this.bytes = bytes;
      this.flush(false);
    });
    await this.run(src, false, (d) => {
      const p = d.payload;
      if (!d.fragments && src.chunk && p.buffer === src.chunk.buffer) return src.chunkBase + (p.byteOffset - src.chunk.byteOffset);
      return this.store.keep(p);
    });
  }

  /** Indexes any packet source (pipe, live): payloads kept in the store. */
  async indexSource(source: PacketSource): Promise<void> {
    await this.run(source, true, (d) => this.store.keep(d.payload));
  }

  stop(): void {
    this.source?.stop();
  }

  /** `streaming`: packets come as they are captured (pipe, live): listeners hear of each (throttled). */
  private async run(source: PacketSource, streaming: boolean, refOf: (d: ImpDatagram) => number): Promise<void> {
    this.source = source;
    const analyzer = this.analyzer;
    try {
      await readImpDatagrams(
        source,
        (d) => {
          // A datagram never reassembled comes after later frames: the index keeps frames in order (imp read shows it).
          if (d.incomplete) return;
          const ref = refOf(d);
          this.index.append({
            frame: d.frame,
            tsSec: d.tsSec,
            tsNsec: d.tsNsec,
            src: d.src,
            dst: d.dst,
            decoded: d.decoded,
            ref,
            length: d.payload.length,
            frameLength: d.packet.originalLength,
            side: ref < 0 || !this.store.fileBacked,
          });
          for (const p of d.decoded.problems) this.codecExperts.add(d.frame, p.id, p.severity, p.category, p.text);
          analyzer.add({ frame: d.frame, time: d.tsSec + d.tsNsec / 1e9, src: d.src, dst: d.dst, decoded: d.decoded, bytes: d.payload });
          if (streaming) this.flush(false);
        },
        {
          recognition: this.recognition,
          onPacket: (p) => {
            this.packets = p.frame;
            if (!this.totalBytes) this.bytes = p.offset;
          },
        },
      );
    } catch (e) {
      this.failure = e instanceof Error ? e : new Error(String(e));
    }
    this.analyzer.finish();
    this.done = true;
    this.flush(true);
    if (this.failure) this.emit("error", this.failure);
    this.emit("done", this.progress());
  }

  /** Tells listeners about new rows, at most every 50 ms unless forced. */
  private flush(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastEmit < 50) {
      if (!this.pending) {
        this.pending = setTimeout(() => {
          this.pending = null;
          this.flush(true);
        }, 50);
      }
      return;
    }
    if (this.pending && force) {
      clearTimeout(this.pending);
      this.pending = null;
    }
    this.lastEmit = now;
    this.emit("rows", this.index.count);
    this.emit("progress", this.progress());
  }
  private pending: NodeJS.Timeout | null = null;
}
