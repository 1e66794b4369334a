/**
 * The analysis marks of the Info column, as Wireshark's "[TCP Retransmission]": one short
 * bracketed note per notable analysis fact of a frame (`[Retransmission of 7]`,
 * `[Dup ACK #1 of 9]`, `[Forced disconnection of bob(2)]`). Names, chat items (connections,
 * membership) and pairing links are not marks: they are in the tree.
 */
import type { FrameAnalysis } from "../analysis/index.js";

const MARK: Readonly<Record<string, (value: number | string | boolean, display: string) => string>> = {
  "imp.analysis.retransmission": (v) => `[Retransmission of ${v}]`,
  "imp.analysis.spurious_retransmission": (v) => `[Spurious retransmission of ${v}]`,
  "imp.analysis.duplicate_ack": (v) => `[Dup ACK of ${v}]`,
  "imp.analysis.stale_ack": () => "[Stale ACK]",
  "imp.analysis.seq_not_flipped": (v) => `[Sequence not flipped since ${v}]`,
  "imp.analysis.unacked": () => "[Unacked]",
  "imp.analysis.forced_disconnection": (_v, d) => `[Forced disconnection of ${d}]`,
  "imp.analysis.no_response": () => "[No response]",
  "imp.analysis.invitation_timeout": () => "[Invitation timed out]",
  "imp.analysis.late_answer": (v) => `[Late answer to ${v}]`,
};

/** The marks of one frame, space-separated ("" when none). */
export function analysisMarks(a: FrameAnalysis): string {
  if (a.experts.length === 0) return "";
  let out = "";
  for (const f of a.fields) {
    const mark = MARK[f.name];
    if (mark) out += (out ? " " : "") + mark(f.value, f.display);
  }
  return out;
}
