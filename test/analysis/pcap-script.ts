/**
 * Small captures written with the project's capture writer (dissector/capture), for the analysis
 * tests that must hold on a real file: a script of datagrams at given times, written as pcap,
 * read back frame by frame through the capture reader and the codec into an analyzer.
 */
import { ConversationAnalyzer, type Endpoint } from "../../dissector/analysis/index.js";
import { createCaptureWriter, parseFrame, readCapture } from "../../dissector/capture/index.js";
import { decode, encode, type MessageInput } from "../../src/codec/index.js";

export interface ScriptedDatagram {
  src: Endpoint;
  dst: Endpoint;
  payload: Uint8Array;
  /** Seconds from the start of the capture. */
  t: number;
}

export class PcapScript {
  readonly datagrams: ScriptedDatagram[] = [];

  /** Appends a message at time `t` (seconds); returns its frame number. */
  send(t: number, src: Endpoint, dst: Endpoint, message: MessageInput): number {
    this.datagrams.push({ src, dst, payload: encode(message), t });
    return this.datagrams.length;
  }

  /** Appends an ACK of (type, seq) at time `t`. */
  ack(t: number, src: Endpoint, dst: Endpoint, type: number, seq: number, srcId = 0): number {
    return this.send(t, src, dst, { type, seq, ack: 1, src: srcId, group: 0 });
  }

  /** The capture file's bytes (pcap, microseconds, Ethernet/IPv4/UDP). */
  pcap(): Uint8Array {
    const w = createCaptureWriter({ format: "pcap" });
    const t0 = 1_700_000_000;
    for (const d of this.datagrams) {
      const sec = Math.floor(d.t);
      w.writeDatagram({ tsSec: t0 + sec, tsNsec: Math.round((d.t - sec) * 1e6) * 1000, src: d.src, dst: d.dst, payload: d.payload });
    }
    return w.bytes();
  }
}

export interface ReadBack {
  readonly a: ConversationAnalyzer;
  /** Per frame (index frame - 1): sender, receiver and UDP payload as read from the file. */
  readonly rows: readonly { frame: number; src: Endpoint; dst: Endpoint; bytes: Uint8Array }[];
}

/** Reads a capture's bytes back through the capture reader into a finished analyzer. */
export async function analyzeCapture(bytes: Uint8Array, finish = true): Promise<ReadBack> {
  const a = new ConversationAnalyzer();
  const rows: { frame: number; src: Endpoint; dst: Endpoint; bytes: Uint8Array }[] = [];
  async function* chunks() {
    yield bytes;
  }
  await readCapture(chunks(), (p) => {
    const u = parseFrame(p.linkType, p.data);
    if (!u || u.fragment) return;
    const payload = u.payload.slice();
    const src = { ip: u.src.ip, port: u.src.port };
    const dst = { ip: u.dst.ip, port: u.dst.port };
    rows.push({ frame: p.frame, src, dst, bytes: payload });
    a.add({ frame: p.frame, time: p.tsSec + p.tsNsec / 1e9, src, dst, decoded: decode(payload), bytes: payload });
  });
  if (finish) a.finish();
  return { a, rows };
}

/**
 * Frames marked "Sequence not flipped" although they are byte-identical to an earlier message on
 * the same path that was not acknowledged before them (a retransmission, whatever came between).
 */
export function unflippedRepeats({ a, rows }: ReadBack): number[] {
  const out: number[] = [];
  const same = (x: Endpoint, y: Endpoint) => x.ip === y.ip && x.port === y.port;
  const equal = (x: Uint8Array, y: Uint8Array) => x.length === y.length && x.every((b, i) => b === y[i]);
  for (const r of rows) {
    if (a.seqNotFlippedSince(r.frame) === 0) continue;
    for (const e of rows) {
      if (e.frame >= r.frame) break;
      if (!same(e.src, r.src) || !same(e.dst, r.dst) || !equal(e.bytes, r.bytes)) continue;
      const acked = a.fieldsOf(e.frame, "final").fields.find((x) => x.name === "imp.analysis.acked_in")?.value;
      if (acked === undefined || (acked as number) > r.frame) out.push(r.frame);
    }
  }
  return out;
}
