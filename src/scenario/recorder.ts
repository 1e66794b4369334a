/**
 * Records every datagram that any transport of a scenario sends (each once, at its sender, with
 * a real timestamp), and injects loss after recording, as a capture taken at the sender would
 * show it: the datagram is on the capture, and never reaches its receiver.
 */
import type { Address, Tap } from "../transport/transport.js";

export interface RecordedDatagram {
  tsSec: number;
  tsNsec: number;
  src: Address;
  dst: Address;
  payload: Uint8Array;
  /** Dropped after recording (injected loss). */
  dropped: boolean;
}

/** Decides, per datagram, whether injected loss drops it. */
export type LossRule = (src: Address, dst: Address, payload: Uint8Array) => boolean;

export class Recorder {
  readonly datagrams: RecordedDatagram[] = [];
  loss: LossRule | null = null;
  /** performance.now() of the last datagram recorded. */
  lastActivity = performance.now();

  /** The tap to give every transport of the scenario. */
  readonly tap: Tap = (dir, local, remote, bytes) => {
    if (dir === "in") return true;
    const ms = performance.timeOrigin + performance.now();
    const tsSec = Math.floor(ms / 1000);
    const tsNsec = Math.min(999_999_999, Math.round((ms - tsSec * 1000) * 1e6));
    const dropped = this.loss?.(local, remote, bytes) ?? false;
    this.datagrams.push({ tsSec, tsNsec, src: { ...local }, dst: { ...remote }, payload: Uint8Array.from(bytes), dropped });
    this.lastActivity = performance.now();
    return !dropped;
  };
}

/**
 * Loss whose every decision depends only on the seed, the endpoints' names, the datagram's bytes
 * and how often that datagram was sent before, never on the order in which concurrent links
 * happen to send: the same datagrams are lost on every run.
 */
export function hashedLoss(seed: number, probability: number, nameOf: (a: Address) => string): LossRule {
  const seen = new Map<string, number>();
  return (src, dst, payload) => {
    let key = `${nameOf(src)}>${nameOf(dst)}:`;
    for (const b of payload) key += b.toString(16).padStart(2, "0");
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    let h = (0x811c9dc5 ^ seed) >>> 0;
    const text = `${key}#${n}`;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d) >>> 0;
    h ^= h >>> 12;
    return (h >>> 0) / 0x1_0000_0000 < probability;
  };
}
