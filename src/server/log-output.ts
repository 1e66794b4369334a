/**
 * Log lines to an output that may be slow (a pipe nobody reads): never blocking, and never
 * holding more than `maxBacklog` bytes the output has not taken. Lines that would pass it are
 * dropped and counted; once the output takes lines again, one line says how many were dropped.
 */
export class BoundedLineWriter {
  /** Lines dropped since the start. */
  dropped = 0;
  private unreported = 0;

  constructor(
    private readonly write: (text: string) => void,
    /** Bytes written and not yet taken by the output (a stream's `writableLength`). */
    private readonly backlog: () => number,
    /** The note written before the next line after drops (a log line, newline included). */
    private readonly note: (lines: number) => string,
    readonly maxBacklog = 1024 * 1024,
  ) {}

  /** Writes one line (newline included), or drops it when the output is behind; `force` always writes (the last line). */
  line(text: string, force = false): void {
    if (!force && this.backlog() + text.length > this.maxBacklog) {
      this.dropped++;
      this.unreported++;
      return;
    }
    if (this.unreported > 0) {
      const n = this.unreported;
      this.unreported = 0;
      this.write(this.note(n));
    }
    this.write(text);
  }
}
