/**
 * A realistic IMP session mix written as a capture file, for the benchmarks: clients connect
 * (request, accept, ACK, list request, list response, ACK, updates), then chat in the Public
 * Group and in private groups through the server (data, ACK, relay to each member, their ACKs),
 * with some retransmissions and disconnections.
 */
import { existsSync } from "node:fs";
import { createCaptureWriter } from "../dissector/capture/index.js";
import { encode } from "../src/codec/encode.js";
import type { MessageInput } from "../src/codec/message.js";
import { MSG } from "../src/protocol/messages.js";
import { seededRandom } from "../src/util/random.js";

export interface GenerateOptions {
  format?: "pcap" | "pcapng";
  clients?: number;
  seed?: number;
}

const WORDS = ["hello", "how are you", "see you at noon", "ok", "the lab is at 2pm", "did you get my message?", "yes", "lunch?"];

/**
 * Version of what generateSessionCapture writes: part of the names of the captures benchmarks
 * keep between runs, so that a capture written by an earlier generator is not measured again
 * (version 1 relayed group messages with the sender's Sequence: a sixth of its frames carried a
 * false "Sequence not flipped" mark).
 */
export const GENERATOR_VERSION = 2;

/** `${prefix}-${n}-v${GENERATOR_VERSION}.pcap`, written first unless a previous run left it. */
export async function sessionCapture(prefix: string, n: number, log: (line: string) => void = () => {}): Promise<string> {
  const file = `${prefix}-${n}-v${GENERATOR_VERSION}.pcap`;
  if (!existsSync(file)) {
    log(`generating ${file} (${n} datagrams of a realistic session mix)...`);
    await generateSessionCapture(file, n);
  }
  return file;
}

/** Writes `n` datagrams to `path`; returns the number written. */
export async function generateSessionCapture(path: string, n: number, opts: GenerateOptions = {}): Promise<number> {
  const writer = createCaptureWriter({ format: opts.format ?? "pcap", path });
  const random = seededRandom(opts.seed ?? 1);
  const server = { ip: "127.0.0.1", port: 1313 };
  const clients = Array.from({ length: opts.clients ?? 16 }, (_, i) => ({
    id: i + 1,
    name: `user${i + 1}`,
    addr: { ip: "127.0.0.1", port: 40000 + i },
    /** Sequence bit of the client's link to the server, and of the server's link to the client. */
    seq: 0,
    down: 0,
    group: i < 8 ? 1 : 2 + ((i - 8) >> 2),
  }));
  let written = 0;
  let t = 1_700_000_000 * 1e6; // µs
  const put = (src: { ip: string; port: number }, dst: { ip: string; port: number }, m: MessageInput) => {
    t += 20 + Math.floor(random() * 200);
    writer.writeDatagram({ tsSec: Math.floor(t / 1e6), tsNsec: (t % 1e6) * 1000, src, dst, payload: encode(m) });
    written++;
  };
  const entries = clients.map((c) => ({ client_id: c.id, group: c.group, username: c.name, ip: c.addr.ip, port: c.addr.port }));
  for (const c of clients) {
    if (written >= n) break;
    put(c.addr, server, { type: MSG.connRequest, seq: 1, username: c.name });
    put(server, c.addr, { type: MSG.connAccept, seq: 1, client_id: c.id });
    put(c.addr, server, { type: MSG.connAccept, seq: 1, ack: 1, src: c.id });
    put(c.addr, server, { type: MSG.listRequest, seq: 0, src: c.id, group: 1 });
    put(server, c.addr, { type: MSG.listResponse, seq: 0, src: c.id, group: 1, entry: entries.slice(0, c.id) });
    put(c.addr, server, { type: MSG.listResponse, seq: 0, ack: 1, src: c.id });
  }
  while (written < n) {
    const from = clients[Math.floor(random() * clients.length)]!;
    from.seq ^= 1;
    const data: MessageInput = {
      type: MSG.data,
      seq: from.seq,
      src: from.id,
      group: from.group,
      data: WORDS[Math.floor(random() * WORDS.length)]!,
    };
    put(from.addr, server, data);
    if (random() < 0.02) put(from.addr, server, data); // a retransmission
    put(server, from.addr, { type: MSG.data, seq: from.seq, ack: 1 });
    for (const to of clients) {
      if (to === from || to.group !== from.group || written >= n) continue;
      to.down ^= 1;
      put(server, to.addr, { ...data, seq: to.down });
      put(to.addr, server, { type: MSG.data, seq: to.down, ack: 1, src: to.id });
    }
  }
  await writer.close();
  return written;
}
