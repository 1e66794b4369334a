/**
 * Builds synthetic captures for the analysis tests with the real codec: every frame is encoded,
 * then decoded, as a capture reader would hand it over.
 */
import { ArqLink, ManualClock } from "../../src/arq/index.js";
import { decode, encode, type MessageInput } from "../../src/codec/index.js";
import { ConversationAnalyzer, type AnalysisInput, type AnalyzerOptions, type Endpoint } from "../../dissector/analysis/index.js";

export const SERVER: Endpoint = { ip: "10.0.0.1", port: 1313 };
export const ALICE: Endpoint = { ip: "10.0.0.2", port: 40001 };
export const BOB: Endpoint = { ip: "10.0.0.3", port: 40002 };
export const CAROL: Endpoint = { ip: "10.0.0.4", port: 40003 };
export const DAVE: Endpoint = { ip: "10.0.0.5", port: 40004 };

export class Scenario {
  readonly frames: AnalysisInput[] = [];
  time = 100;

  constructor(private readonly withBytes = false) {}

  /** Appends one datagram `dt` seconds after the previous one; returns its frame number. */
  send(from: Endpoint, to: Endpoint, message: MessageInput, dt = 0.001): number {
    return this.raw(from, to, encode(message), dt);
  }

  /** An acknowledgement of (type, seq) from `from` to `to`. */
  ack(from: Endpoint, to: Endpoint, type: number, seq: number, src = 0, dt = 0.001): number {
    return this.send(from, to, { type, seq, ack: 1, src, group: 0 }, dt);
  }

  /** Arbitrary bytes (malformed datagrams). */
  raw(from: Endpoint, to: Endpoint, bytes: Uint8Array, dt = 0.001): number {
    this.time += dt;
    const frame = this.frames.length + 1;
    const input: AnalysisInput = {
      frame,
      time: this.time,
      src: from,
      dst: to,
      decoded: decode(bytes),
      ...(this.withBytes ? { bytes } : {}),
    };
    this.frames.push(input);
    return frame;
  }

  get last(): number {
    return this.frames.length;
  }

  /** Time of a frame. */
  at(frame: number): number {
    return this.frames[frame - 1]!.time;
  }

  analyze(options: AnalyzerOptions = {}, finish = true): ConversationAnalyzer {
    const a = new ConversationAnalyzer(options);
    for (const f of this.frames) a.add(f);
    if (finish) a.finish();
    return a;
  }

  /** alice connects: request, accept (id), ACK. Returns the frames. */
  connect(who: Endpoint, username: string, id: number, opts: { reqSeq?: number; acceptSeq?: number } = {}): [number, number, number] {
    const s = opts.reqSeq ?? 1;
    const a = opts.acceptSeq ?? 1;
    const req = this.send(who, SERVER, { type: 0x00, seq: s, username });
    const acc = this.send(SERVER, who, { type: 0x01, seq: a, client_id: id });
    const ack = this.ack(who, SERVER, 0x01, a, id);
    return [req, acc, ack];
  }
}

export interface Entry {
  client_id: number;
  group: number;
  username: string;
  ip: string;
  port: number;
}

export const entry = (id: number, name: string, ep: Endpoint, group = 1): Entry => ({
  client_id: id,
  group,
  username: name,
  ip: ep.ip,
  port: ep.port,
});

/** Every analysis field of a frame as name -> value (repeated names: the last). */
export function valuesOf(a: ConversationAnalyzer, frame: number, view?: "first" | "final"): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const f of a.fieldsOf(frame, view).fields) out[f.name.replace("imp.analysis.", "")] = f.value;
  return out;
}

export function expertIds(a: ConversationAnalyzer, frame: number, view?: "first" | "final"): string[] {
  return a.fieldsOf(frame, view).experts.map((e) => e.id.replace("imp.analysis.", ""));
}

export function expertTexts(a: ConversationAnalyzer, frame: number, view?: "first" | "final"): string[] {
  return a.fieldsOf(frame, view).experts.map((e) => e.text);
}

/**
 * Two real ARQ links (sender at `from`, receiver at `to`) on a manual clock, with a wire that
 * records every datagram (the capture point is at the sender) and drops those `lose` selects.
 */
export function arqPair(s: Scenario, from: Endpoint, to: Endpoint, receiverId: number, lose: (n: number, bytes: Uint8Array) => boolean) {
  const clock = new ManualClock();
  const base = s.time;
  let n = 0;
  let receiver: ArqLink;
  const gone: MessageInput[] = [];
  const record = (src: Endpoint, dst: Endpoint, bytes: Uint8Array) => {
    s.time = base + clock.now() / 1000;
    s.raw(src, dst, bytes, 0);
  };
  const sender: ArqLink = new ArqLink(
    { clock, rto: 500, retries: 5 },
    {
      transmit: (bytes) => {
        record(from, to, bytes);
        if (lose(n++, bytes)) return;
        // One millisecond on the wire.
        clock.setTimer(1, () => {
          const m = decode(bytes).message!;
          if (receiver.receive(m) === "new") receiver.ack(m, receiverId);
        });
      },
      onGone: (m) => gone.push(m),
    },
  );
  receiver = new ArqLink(
    { clock, rto: 500, retries: 5 },
    {
      transmit: (bytes) => {
        record(to, from, bytes);
        clock.setTimer(1, () => sender.receive(decode(bytes).message!));
      },
    },
  );
  return { clock, sender, receiver, gone, run: (ms = 10_000) => clock.advance(ms) };
}
