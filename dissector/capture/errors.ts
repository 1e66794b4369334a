/**
 * The one error the capture reader raises for bad bytes. Whatever a file contains, the reader
 * delivers every packet before the damage and then throws (or rejects with) this error; any
 * other error comes from the file system or from the caller's own callback.
 */
export class CaptureFormatError extends Error {
  /** Byte offset in the file of the damaged record, block or header. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.name = "CaptureFormatError";
    this.offset = offset;
  }
}
