/**
 * Decodes an indexed row on demand: the payload from the store, the codec, then the read
 * pipeline's frame (dissector/read MutableFrame: tree with "[IMP analysis]", Info with names and
 * analysis marks), with an LRU cache of recent rows. Memory holds the index, not trees.
 */
import { decode } from "../../codec/decode.js";
import type { CapturePacket } from "../../../dissector/capture/index.js";
import type { ConversationAnalyzer } from "../../../dissector/analysis/index.js";
import { MutableFrame } from "../../../dissector/read/frame.js";
import { typeColumn } from "../../../dissector/summary/summary-line.js";
import type { PacketIndex } from "./packet-index.js";
import type { PayloadStore } from "./payload-store.js";

export interface DecodedRow {
  row: number;
  frame: MutableFrame;
  /** Type column text (`Data`, `ACK Data`, `Malformed`). */
  type: string;
}

export class RowDecoder {
  private readonly cache = new Map<number, DecodedRow>();
  private readonly scratch: MutableFrame;
  decodes = 0;

  constructor(
    private readonly index: PacketIndex,
    private readonly store: PayloadStore,
    private readonly analyzer: ConversationAnalyzer,
    private readonly isFinal: () => boolean,
    private readonly capacity = 200,
  ) {
    this.scratch = new MutableFrame(analyzer);
  }

  /** Fills a frame for a row (the payload is copied when `keep`, else a view of the store). */
  private fill(f: MutableFrame, row: number, keep: boolean): MutableFrame {
    const ix = this.index;
    const view = this.store.read(ix.ref(row), ix.length(row));
    const payload = keep ? view.slice() : view;
    f.reset();
    f.number = ix.frame(row);
    f.tsSec = ix.sec(row);
    f.tsNsec = ix.nsec(row);
    f.refSec = ix.firstSec;
    f.refNsec = ix.firstNsec;
    f.time = ix.relTime(row);
    f.src = ix.src(row);
    f.dst = ix.dst(row);
    f.ipVersion = f.src.ip.includes(":") ? 6 : 4;
    f.payload = payload;
    f.decoded = decode(payload);
    f.view = this.isFinal() ? "final" : "first";
    // The index keeps no frame bytes: the packet record is described, its data is the payload.
    f.packet = packetOf(ix, row, payload);
    this.decodes++;
    return f;
  }

  get(row: number): DecodedRow {
    const final = this.isFinal() ? "final" : "first";
    const hit = this.cache.get(row);
    if (hit && hit.frame.view === final) {
      this.cache.delete(row);
      this.cache.set(row, hit);
      return hit;
    }
    const frame = this.fill(new MutableFrame(this.analyzer), row, true);
    const d: DecodedRow = { row, frame, type: typeColumn(frame.decoded) };
    this.cache.set(row, d);
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
    return d;
  }

  /** A row decoded into a shared frame, not cached (full scans: filters, views); valid until the next call. */
  scan(row: number): MutableFrame {
    return this.fill(this.scratch, row, false);
  }

  /** Drops cached rows (names and analysis change while a capture is still being read). */
  clear(): void {
    this.cache.clear();
  }
}

function packetOf(ix: PacketIndex, row: number, payload: Uint8Array): CapturePacket {
  return {
    frame: ix.frame(row),
    tsSec: ix.sec(row),
    tsNsec: ix.nsec(row),
    interfaceId: 0,
    linkType: 0,
    capturedLength: ix.frameLength(row),
    originalLength: ix.frameLength(row),
    data: payload,
    offset: ix.ref(row),
  };
}
