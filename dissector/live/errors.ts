/**
 * The one error of live capture: a sentence that says what to do, for the CLI to print as it is
 * (exit 2) and for the TUI to show. `reason` lets callers tell the cases apart without parsing it.
 */
export type LiveCaptureReason =
  /** The optional `cap` module (libpcap binding) is not installed or cannot load. */
  | "no-libpcap"
  /** Opening the interface needs root or CAP_NET_RAW. */
  | "permission"
  /** No interface of that name. */
  | "no-interface"
  /** libpcap rejected the capture filter. */
  | "bad-filter"
  /** Anything else libpcap reported when opening. */
  | "open-failed";

export class LiveCaptureError extends Error {
  constructor(
    readonly reason: LiveCaptureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "LiveCaptureError";
  }
}
