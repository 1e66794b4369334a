/**
 * Where a capture writer's bytes go: a file (buffered, written synchronously in large blocks so
 * memory stays bounded) or memory (for tests).
 */
import { closeSync, openSync, writeSync } from "node:fs";

export interface ByteSink {
  write(bytes: Uint8Array): void;
  /** Writes out what is buffered. */
  flush(): void;
  close(): Promise<void>;
}

export class FileSink implements ByteSink {
  private fd: number | undefined;
  private readonly buffer: Uint8Array;
  private used = 0;

  /** Opens (creates or truncates) `path` at once; throws the file-system error if it cannot. */
  constructor(path: string, bufferSize = 1024 * 1024) {
    this.fd = openSync(path, "w");
    this.buffer = new Uint8Array(Math.max(4096, bufferSize));
  }

  write(bytes: Uint8Array): void {
    if (this.fd === undefined) throw new Error("capture writer is closed");
    if (this.used + bytes.length > this.buffer.length) this.flush();
    if (bytes.length >= this.buffer.length) {
      this.writeAll(bytes);
      return;
    }
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }

  flush(): void {
    if (this.used === 0 || this.fd === undefined) return;
    this.writeAll(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  async close(): Promise<void> {
    if (this.fd === undefined) return;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private writeAll(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd!, bytes, done, bytes.length - done);
  }
}

export class MemorySink implements ByteSink {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  write(bytes: Uint8Array): void {
    this.chunks.push(bytes.slice());
    this.length += bytes.length;
  }

  flush(): void {}

  async close(): Promise<void> {}

  /** Everything written so far, as one array. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}
