/**
 * Where the bytes of indexed datagrams are when a packet is decoded again on demand: re-read
 * from the capture file by offset (a file keeps its bytes; memory holds only the index), or kept
 * in an in-memory arena (pipes and live captures, which cannot be read twice).
 */
import { closeSync, openSync, readSync } from "node:fs";

export interface PayloadStore {
  /** The payload at `ref` (`length` bytes); a view valid until the next call. */
  read(ref: number, length: number): Uint8Array;
  /** Keeps a copy of a payload that cannot be read back from the file; returns its ref. */
  keep(payload: Uint8Array): number;
  /** True when `ref`s of this store point into the capture file. */
  readonly fileBacked: boolean;
  close(): void;
  bytes(): number;
}

const ARENA_CHUNK = 1 << 20;

/** Payload copies in 1 MiB chunks; a ref is chunk * ARENA_CHUNK + offset. */
export class MemoryStore implements PayloadStore {
  readonly fileBacked = false;
  private readonly chunks: Uint8Array[] = [];
  private used = ARENA_CHUNK;

  keep(payload: Uint8Array): number {
    if (payload.length > ARENA_CHUNK) {
      // A datagram larger than a chunk gets a chunk of its own.
      this.chunks.push(payload.slice());
      this.used = ARENA_CHUNK;
      return (this.chunks.length - 1) * ARENA_CHUNK;
    }
    if (this.used + payload.length > ARENA_CHUNK) {
      this.chunks.push(new Uint8Array(ARENA_CHUNK));
      this.used = 0;
    }
    const c = this.chunks.length - 1;
    this.chunks[c]!.set(payload, this.used);
    const ref = c * ARENA_CHUNK + this.used;
    this.used += payload.length;
    return ref;
  }

  read(ref: number, length: number): Uint8Array {
    const c = Math.floor(ref / ARENA_CHUNK);
    const off = ref - c * ARENA_CHUNK;
    return this.chunks[c]!.subarray(off, off + length);
  }

  close(): void {}

  bytes(): number {
    return this.chunks.length * ARENA_CHUNK;
  }
}

const WINDOW = 256 * 1024;
/** Side refs are negative: -(1 + index into the side list). */
export class FileStore implements PayloadStore {
  readonly fileBacked = true;
  private fd: number;
  private readonly window = new Uint8Array(WINDOW);
  private windowStart = -1;
  private windowLength = 0;
  private readonly side: Uint8Array[] = [];

  constructor(path: string) {
    this.fd = openSync(path, "r");
  }

  keep(payload: Uint8Array): number {
    this.side.push(payload.slice());
    return -this.side.length;
  }

  read(ref: number, length: number): Uint8Array {
    if (ref < 0) return this.side[-ref - 1]!;
    if (this.windowStart < 0 || ref < this.windowStart || ref + length > this.windowStart + this.windowLength) {
      if (length > WINDOW) {
        const big = new Uint8Array(length);
        readSync(this.fd, big, 0, length, ref);
        return big;
      }
      this.windowLength = readSync(this.fd, this.window, 0, WINDOW, ref);
      this.windowStart = ref;
    }
    const off = ref - this.windowStart;
    return this.window.subarray(off, off + length);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  bytes(): number {
    return WINDOW + this.side.reduce((n, s) => n + s.length, 0);
  }
}
