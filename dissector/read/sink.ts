/**
 * Where `imp read` writes its text: a block sink that gathers lines into a buffer and hands it
 * on in large blocks (one write per 256 KiB to 1 MiB, not one per line), as bench/pipeline.ts
 * measured to keep a million summary lines a second.
 *
 * `fdSink(1)` writes standard output with fs.writeSync; when the reader goes away (EPIPE, as
 * `imp read big.pcap | head -1` does), the sink closes quietly and `closed` tells the pipeline
 * to stop reading. `textSink(fn)` hands blocks to a function (tests, the TUI, a CliIo).
 */
import { Buffer } from "node:buffer";
import { writeSync } from "node:fs";
import type { ByteTarget, Utf8Buffer } from "../summary/summary-line.js";

/** A text output; as a ByteTarget it also lends its buffer to writers that encode bytes themselves. */
export interface TextSink extends ByteTarget {
  /** Appends text (any number of whole lines). Ignored once the sink is closed. */
  write(text: string): void;
  /** Hands on what is buffered. */
  flush(): void;
  /** True once the reader is gone (EPIPE): nothing more will be written. */
  readonly closed: boolean;
}

const DEFAULT_BLOCK = 1 << 20;
/** Blocks are handed on when this full (a quarter of the buffer) or when a write would not fit. */
const FLUSH_AT = 256 * 1024;

abstract class BlockSink implements TextSink {
  /** A buffer lent by reserve() for a write larger than the block (rare). */
  private oversize: Utf8Buffer | null = null;
  private readonly buf: Utf8Buffer;
  used = 0;
  closed = false;

  constructor(size = DEFAULT_BLOCK) {
    this.buf = Buffer.allocUnsafe(size) as Utf8Buffer;
  }

  reserve(max: number): Utf8Buffer | null {
    if (this.closed) return null;
    if (this.used + max > this.buf.length) {
      this.flush();
      if (this.closed) return null;
      // Larger than a whole block: the writer gets a buffer of its own, handed on at commit.
      if (max > this.buf.length) return (this.oversize = Buffer.allocUnsafe(max) as Utf8Buffer);
    }
    return this.buf;
  }

  commit(end: number): void {
    if (this.oversize !== null) {
      const big = this.oversize;
      this.oversize = null;
      this.emit(big.subarray(0, end));
      return;
    }
    this.used = end;
    if (this.used >= FLUSH_AT) this.flush();
  }

  write(text: string): void {
    // A UTF-16 unit is at most 3 UTF-8 bytes.
    const buf = this.reserve(text.length * 3);
    if (buf === null) return;
    const at = buf === this.buf ? this.used : 0;
    this.commit(at + buf.utf8Write(text, at));
  }

  flush(): void {
    if (this.used === 0 || this.closed) {
      this.used = 0;
      return;
    }
    const n = this.used;
    this.used = 0;
    this.emit(this.buf.subarray(0, n));
  }

  protected abstract emit(block: Buffer): void;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Writes blocks to a file descriptor (1 = standard output) with writeSync. */
export class FdSink extends BlockSink {
  constructor(
    private readonly fd: number,
    size?: number,
  ) {
    super(size);
  }

  protected emit(block: Buffer): void {
    let off = 0;
    while (off < block.length) {
      try {
        off += writeSync(this.fd, block, off, block.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") {
          // A non-blocking pipe that is full: wait a little for the reader.
          Atomics.wait(sleeper, 0, 0, 2);
          continue;
        }
        if (code === "EPIPE" || code === "ECONNRESET") {
          this.closed = true;
          return;
        }
        throw e;
      }
    }
  }
}

/** Hands each block to `out` as a string. */
export class CallbackSink extends BlockSink {
  constructor(
    private readonly out: (text: string) => void,
    size?: number,
  ) {
    super(size);
  }

  protected emit(block: Buffer): void {
    this.out(block.toString("utf8"));
  }
}

export function fdSink(fd = 1): FdSink {
  return new FdSink(fd);
}

export function textSink(out: (text: string) => void): CallbackSink {
  return new CallbackSink(out);
}

/** Drops everything (quiet modes that still read, such as `imp proxy -q`). */
export class DiscardSink extends BlockSink {
  protected emit(): void {}
}

/** Collects everything in a string (tests). */
export function stringSink(): TextSink & { text(): string } {
  let all = "";
  const sink = new CallbackSink((t) => void (all += t));
  return Object.assign(sink, {
    text: () => {
      sink.flush();
      return all;
    },
  });
}

/**
 * For live sources: lines go out as soon as the packets of one event-loop turn are shown, not
 * when a block fills (a live capture or the proxy may be quiet for a long time).
 */
export function flushingSink(inner: TextSink): TextSink {
  let scheduled = false;
  const soon = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      inner.flush();
    });
  };
  return {
    write(text) {
      inner.write(text);
      soon();
    },
    reserve: (max) => inner.reserve(max),
    get used() {
      return inner.used;
    },
    commit(end) {
      inner.commit(end);
      soon();
    },
    flush: () => inner.flush(),
    get closed() {
      return inner.closed;
    },
  };
}
